package mailer

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/keluhan/keluhan/templates"
	"github.com/keluhan/keluhan/workflow"
)

// DefaultLanguage is the language used when an email's language has no
// templates.
const DefaultLanguage = "id"

// ErrUnknownKind means no language, not even DefaultLanguage, has
// templates for the requested mail kind.
var ErrUnknownKind = errors.New("unknown mail kind")

// RenderConfig configures a Renderer.
type RenderConfig struct {
	// Dir is an optional folder laid out like the embedded templates
	// (<language>/<file>). A file there replaces the embedded file with
	// the same path, and a language folder there adds a language.
	Dir string
	// Location is the time zone dates are shown in; nil means
	// Asia/Jakarta.
	Location *time.Location
	// WorkingDay is the working time in one working day, used to show a
	// working duration in days and hours; zero means 8 hours.
	WorkingDay time.Duration
}

// Renderer renders the mail kinds from parsed templates. It is safe for
// concurrent use.
type Renderer struct {
	languages map[string]*language
}

// language holds one language's labels and the templates of every kind.
type language struct {
	labels map[string]string
	kinds  map[string]*kindTemplates
}

// kindTemplates holds one kind's file parsed twice: as text for the
// subject and the text part, and as HTML for the HTML part.
type kindTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// templateParts are the templates every kind file must define.
var templateParts = []string{"subject", "text", "html"}

// NewRenderer parses every template of every language once. It fails on
// the first file that does not parse or lacks one of the subject, text
// and html templates, naming the file, and when DefaultLanguage has no
// templates.
func NewRenderer(cfg RenderConfig) (*Renderer, error) {
	cfg = cfg.withDefaults()

	files, err := newOverlay(templates.FS, cfg.Dir)
	if err != nil {
		return nil, err
	}

	names, err := files.languages()
	if err != nil {
		return nil, err
	}

	r := &Renderer{languages: make(map[string]*language, len(names))}
	for _, name := range names {
		lang, err := loadLanguage(files, name, cfg)
		if err != nil {
			return nil, err
		}
		r.languages[name] = lang
	}

	if _, ok := r.languages[DefaultLanguage]; !ok {
		return nil, fmt.Errorf("load templates: no templates for default language %q", DefaultLanguage)
	}
	return r, nil
}

func (cfg RenderConfig) withDefaults() RenderConfig {
	if cfg.Location == nil {
		cfg.Location = jakarta()
	}
	if cfg.WorkingDay <= 0 {
		cfg.WorkingDay = 8 * time.Hour
	}
	return cfg
}

// jakarta returns Asia/Jakarta from the system time zone database, or a
// fixed UTC+7 zone named WIB where there is none. Jakarta has kept UTC+7
// without daylight saving time since 1964, so the two agree for any date
// keluhan shows.
func jakarta() *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		return time.FixedZone("WIB", 7*60*60)
	}
	return loc
}

// Render renders kind in lang. A language without templates falls back
// to DefaultLanguage, and so does a kind that lang lacks. Rendering fails
// with ErrUnknownKind for a kind no language has, for nil data, and when a
// template names a field that does not exist or follows a nil pointer.
// The subject is one line; the text part has no trailing spaces and no
// runs of blank lines.
func (r *Renderer) Render(lang, kind string, data *workflow.MailData) (workflow.Rendered, error) {
	if data == nil {
		return workflow.Rendered{}, fmt.Errorf("render %s %s: nil mail data", lang, kind)
	}

	t, err := r.lookup(lang, kind)
	if err != nil {
		return workflow.Rendered{}, fmt.Errorf("render %s %s: %w", lang, kind, err)
	}

	subject, err := executeText(t.text, "subject", data)
	if err != nil {
		return workflow.Rendered{}, fmt.Errorf("render %s %s: %w", lang, kind, err)
	}

	text, err := executeText(t.text, "text", data)
	if err != nil {
		return workflow.Rendered{}, fmt.Errorf("render %s %s: %w", lang, kind, err)
	}

	html, err := executeHTML(t.html, "html", data)
	if err != nil {
		return workflow.Rendered{}, fmt.Errorf("render %s %s: %w", lang, kind, err)
	}

	return workflow.Rendered{
		Subject: oneLine(subject),
		Text:    tidyText(text),
		HTML:    strings.TrimSpace(html) + "\n",
	}, nil
}

// Label returns the catalog text for key in lang, such as
// Label("id", "state.new") = "Baru". An unknown language falls back to
// DefaultLanguage; a key missing from the catalog is returned as it is.
func (r *Renderer) Label(lang, key string) string {
	l, ok := r.languages[lang]
	if !ok {
		l = r.languages[DefaultLanguage]
	}
	if text, ok := l.labels[key]; ok {
		return text
	}
	return key
}

func (r *Renderer) lookup(lang, kind string) (*kindTemplates, error) {
	if l, ok := r.languages[lang]; ok {
		if t, ok := l.kinds[kind]; ok {
			return t, nil
		}
	}
	if t, ok := r.languages[DefaultLanguage].kinds[kind]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKind, kind)
}

// loadLanguage reads the labels, the partials (files whose name starts
// with "_") and every kind file of one language folder.
func loadLanguage(files *overlay, name string, cfg RenderConfig) (*language, error) {
	entries, err := files.readDir(name)
	if err != nil {
		return nil, err
	}

	labels, err := loadLabels(files, name+"/"+labelsFile)
	if err != nil {
		return nil, err
	}

	var partials []string
	var kinds []string
	for _, entry := range entries {
		switch {
		case !strings.HasSuffix(entry, ".tmpl"):
		case strings.HasPrefix(entry, "_"):
			partials = append(partials, name+"/"+entry)
		default:
			kinds = append(kinds, strings.TrimSuffix(entry, ".tmpl"))
		}
	}

	funcs := newTemplateFuncs(labels, cfg.Location, cfg.WorkingDay).funcMap()
	lang := &language{labels: labels, kinds: make(map[string]*kindTemplates, len(kinds))}
	for _, kind := range kinds {
		t, err := parseKind(files, name+"/"+kind+".tmpl", partials, funcs)
		if err != nil {
			return nil, err
		}
		lang.kinds[kind] = t
	}
	return lang, nil
}

// parseKind parses the partials and then the kind file into one text and
// one HTML template set, so that the kind file can use the partials and
// each kind's subject, text and html stay apart from the other kinds'.
func parseKind(files *overlay, path string, partials []string, funcs map[string]any) (*kindTemplates, error) {
	text := texttemplate.New(path).Funcs(funcs).Option("missingkey=error")
	html := htmltemplate.New(path).Funcs(funcs).Option("missingkey=error")

	for _, name := range append(slices.Clip(partials), path) {
		src, err := files.readFile(name)
		if err != nil {
			return nil, err
		}

		// The kind file is parsed into the root templates, each partial
		// into a template of its own name in the same set.
		textDst, htmlDst := text, html
		if name != path {
			textDst, htmlDst = text.New(name), html.New(name)
		}
		if _, err := textDst.Parse(string(src)); err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		if _, err := htmlDst.Parse(string(src)); err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
	}

	for _, part := range templateParts {
		if text.Lookup(part) == nil {
			return nil, fmt.Errorf("parse template %s: missing {{define %q}}", path, part)
		}
	}
	return &kindTemplates{text: text, html: html}, nil
}

func executeText(t *texttemplate.Template, name string, data *workflow.MailData) (string, error) {
	var out bytes.Buffer
	if err := t.ExecuteTemplate(&out, name, data); err != nil {
		return "", err
	}
	return out.String(), nil
}

func executeHTML(t *htmltemplate.Template, name string, data *workflow.MailData) (string, error) {
	var out bytes.Buffer
	if err := t.ExecuteTemplate(&out, name, data); err != nil {
		return "", err
	}
	return out.String(), nil
}

// oneLine joins the words of s with single spaces, so that a subject
// holding CR, LF or tabs becomes one header line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// tidyText removes trailing spaces, blank lines at the start and end, and
// repeated blank lines, so that templates may keep optional sections on
// their own lines. The result ends with one newline.
func tidyText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")

	var out []string
	blank := true // drops blank lines at the start
	for _, line := range lines {
		line = strings.TrimRight(line, " \t\r")
		if line == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, line)
		blank = false
	}

	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n") + "\n"
}

package mailer

import (
	"errors"
	"fmt"
	"net/textproto"

	gomail "github.com/wneessen/go-mail"
)

var (
	// ErrConnect marks a failure to open or set up the SMTP connection:
	// dial, greeting, STARTTLS or authentication. Such a failure concerns
	// the server or the configuration, not the message.
	ErrConnect = errors.New("connect to smtp server")
	// ErrInvalidHeader means a header value of the outgoing mail cannot
	// be sent as it is, such as one holding a line break.
	ErrInvalidHeader = errors.New("invalid header value")
)

// SendError is a failed delivery. Temporary is true when the same
// message may succeed later: an SMTP 4xx reply, a network error or a
// connection failure (ErrConnect). It is false for an SMTP 5xx reply to
// the message and for a message that cannot be built. Code is the SMTP
// reply code, or 0 when the server gave none.
type SendError struct {
	Temporary bool
	Code      int
	Err       error
}

func (e *SendError) Error() string {
	return e.Err.Error()
}

func (e *SendError) Unwrap() error {
	return e.Err
}

// IsTemporary reports whether a send that failed with err may be
// retried. A *SendError in err's chain decides. Any other non-nil error
// counts as temporary, because only a SendError can report that the
// message itself was rejected.
func IsTemporary(err error) bool {
	if err == nil {
		return false
	}
	var sendErr *SendError
	if errors.As(err, &sendErr) {
		return sendErr.Temporary
	}
	return true
}

// classifySendError turns an error from go-mail's send into a SendError:
// a 5xx reply is permanent and a 4xx reply temporary. Without a reply
// code it is permanent only when go-mail rejected the message itself.
func classifySendError(err error) *SendError {
	code := replyCode(err)
	switch {
	case code >= 500:
		return &SendError{Code: code, Err: err}
	case code >= 400:
		return &SendError{Temporary: true, Code: code, Err: err}
	}

	var mailErr *gomail.SendError
	if errors.As(err, &mailErr) {
		switch mailErr.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			// The message or the server's extensions rule it out, so a
			// retry would fail the same way.
			return &SendError{Err: err}
		}
	}
	// No reply code: the connection broke during the transaction.
	return &SendError{Temporary: true, Err: err}
}

// connectError wraps a failure to open the connection as temporary,
// whatever its code: a refused login (535) is a 5xx reply too, but the
// outbox should keep the mail until an administrator fixes the account.
func connectError(addr string, err error) *SendError {
	return &SendError{
		Temporary: true,
		Code:      replyCode(err),
		Err:       fmt.Errorf("%w %s: %w", ErrConnect, addr, err),
	}
}

// replyCode finds the SMTP reply code in err, or returns 0.
func replyCode(err error) int {
	var mailErr *gomail.SendError
	if errors.As(err, &mailErr) && mailErr.ErrorCode() != 0 {
		return mailErr.ErrorCode()
	}
	var protoErr *textproto.Error
	if errors.As(err, &protoErr) {
		return protoErr.Code
	}
	return 0
}

// isStaleConnection reports whether go-mail refused to send because its
// NOOP check found the connection closed, before sending anything.
func isStaleConnection(err error) bool {
	var mailErr *gomail.SendError
	return errors.As(err, &mailErr) && mailErr.Reason == gomail.ErrConnCheck
}

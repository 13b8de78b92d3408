// Package calendar computes working time for the SLA clocks: whether an
// instant falls inside working hours, how much working time lies between
// two instants, and when an amount of working time that starts at an
// instant runs out.
//
// Working hours are one daily window (08:00-16:00 by default) on the
// configured weekdays (Monday to Friday by default) in one location
// (Asia/Jakarta by default), minus the dates in a holidays list: hari
// libur nasional, cuti bersama and local holidays. The list built into the
// package covers 2026 and 2027; an administrator may load another one from
// a YAML file with LoadHolidays.
//
// The package is pure: every function takes the instants it works on, and
// nothing here reads the clock or logs. The only I/O is LoadHolidays, which
// reads a file. Which step of the procedure gets which time standard is
// decided by the workflow package.
package calendar

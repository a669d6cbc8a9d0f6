package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// flags is a flag.FlagSet whose every flag has a CCH_* environment
// equivalent (flag name upper-cased, dashes to underscores). Precedence:
// flag, then environment, then the documented default. Environment values
// that do not parse are collected and reported with the validation errors.
type flags struct {
	fs   *flag.FlagSet
	errs []error
}

func newFlags(name string, stderr io.Writer) *flags {
	fs := flag.NewFlagSet("cch "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &flags{fs: fs}
}

// EnvName is the environment variable of flag name.
func EnvName(name string) string {
	return "CCH_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

func (f *flags) help(name, usage string) string {
	return fmt.Sprintf("%s [%s]", usage, EnvName(name))
}

func (f *flags) String(p *string, name, def, usage string) {
	if v, ok := os.LookupEnv(EnvName(name)); ok {
		def = v
	}
	f.fs.StringVar(p, name, def, f.help(name, usage))
}

func (f *flags) Int(p *int, name string, def int, usage string) {
	if v, ok := os.LookupEnv(EnvName(name)); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: not an integer", EnvName(name), v))
		} else {
			def = n
		}
	}
	f.fs.IntVar(p, name, def, f.help(name, usage))
}

func (f *flags) Float64(p *float64, name string, def float64, usage string) {
	if v, ok := os.LookupEnv(EnvName(name)); ok {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: not a number", EnvName(name), v))
		} else {
			def = x
		}
	}
	f.fs.Float64Var(p, name, def, f.help(name, usage))
}

func (f *flags) Bool(p *bool, name string, def bool, usage string) {
	if v, ok := os.LookupEnv(EnvName(name)); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: not a boolean", EnvName(name), v))
		} else {
			def = b
		}
	}
	f.fs.BoolVar(p, name, def, f.help(name, usage))
}

func (f *flags) Duration(p *time.Duration, name string, def time.Duration, usage string) {
	if v, ok := os.LookupEnv(EnvName(name)); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: not a duration", EnvName(name), v))
		} else {
			def = d
		}
	}
	f.fs.DurationVar(p, name, def, f.help(name, usage))
}

// Parse parses args, then runs validate; every problem (bad environment
// values, bad flags, failed validation) is reported at once.
func (f *flags) Parse(args []string, validate func() error) error {
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		f.errs = append(f.errs, fmt.Errorf("unexpected arguments: %s", strings.Join(f.fs.Args(), " ")))
	}
	if validate != nil {
		if err := validate(); err != nil {
			f.errs = append(f.errs, err)
		}
	}
	if len(f.errs) > 0 {
		return fmt.Errorf("invalid configuration:\n  %w", indent(errors.Join(f.errs...)))
	}
	return nil
}

func indent(err error) error {
	return errors.New(strings.ReplaceAll(err.Error(), "\n", "\n  "))
}

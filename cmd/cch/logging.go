package main

import (
	"io"
	"log/slog"
	"os"
	"strings"
)

// newLogger logs JSON when w is not a terminal, human-readable text when it
// is. level is debug, info, warn or error.
func newLogger(w io.Writer, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(strings.ToUpper(level)))
	opts := &slog.HandlerOptions{Level: lv}
	if isTerminal(w) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func validLevel(level string) bool {
	var lv slog.Level
	return lv.UnmarshalText([]byte(strings.ToUpper(level))) == nil
}

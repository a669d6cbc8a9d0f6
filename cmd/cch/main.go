// Command cch is the one Car Care Hub binary: cch dev | api | warehouse |
// migrate | … . main is thin: it picks the command, wires signals, runs it
// and turns the outcome into an exit code.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// runner is one subcommand: it parses its configuration (flags with CCH_*
// environment equivalents, validated up front), runs until ctx ends or its
// work is done, and releases what it holds.
type runner interface {
	Parse(args []string) error
	Run(ctx context.Context) error
	Close() error
}

type command struct {
	name, summary string
	new           func(stdout, stderr io.Writer) runner
}

// commands is the table of subcommands; each lives in its own file.
var commands []command

func register(c command) { commands = append(commands, c) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "version" {
		printVersion(stdout)
		return 0
	}
	var cmd *command
	for i := range commands {
		if commands[i].name == args[0] {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "cch: unknown command %q (see cch --help)\n", args[0])
		return 2
	}
	r := cmd.new(stdout, stderr)
	if err := r.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "cch %s: %v\n", cmd.name, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	runErr := r.Run(ctx)
	closeErr := r.Close()
	if err := errors.Join(runErr, closeErr); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "cch %s: %v\n", cmd.name, err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "cch — Car Care Hub\n\nUsage: cch <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'cch <command> --help' for a command's flags. Every flag has a CCH_* environment equivalent.")
}

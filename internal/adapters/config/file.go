package config

// Reading the -config file: its size and shape, pipes, and YAML errors
// told without the values they quote.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
)

// yamlQuotes are the parts of a YAML error that quote the file: a scalar
// in backticks (whole up to 10 bytes), an anchor's name in single quotes,
// a key printed with %#v.
var yamlQuotes = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile("`.*`"), "(value not shown)"},
	{regexp.MustCompile(`anchor '.*'`), "anchor"},
	{regexp.MustCompile(`invalid map key: .*`), "invalid map key"},
}

// withoutValues is a YAML error without what it quotes of the file: the
// file -config names may be the wrong one, a password or a key.
func withoutValues(msg string) string {
	for _, q := range yamlQuotes {
		msg = q.re.ReplaceAllString(msg, q.with)
	}
	return msg
}

// yamlFaults words a YAML error as the config's faults are, one a line,
// each headed by the file, the first followed by hint: the parser heads its
// list with "yaml: unmarshal errors:" on a line of its own and names a
// document that is no mapping by Go's type.
func yamlFaults(path, msg, hint string) error {
	list, ok := strings.CutPrefix(msg, "yaml: unmarshal errors:\n")
	if !ok {
		return fmt.Errorf("config file %s: %s%s", path, msg, hint)
	}
	var errs []error
	for line := range strings.Lines(list) {
		line = strings.TrimSpace(line)
		if at, _, ok := strings.Cut(line, ": cannot unmarshal"); ok && strings.HasSuffix(line, "into map[string]interface {}") {
			line = at + ": the file is not a mapping of settings (section:, then indented key: value lines)"
		}
		errs = append(errs, fmt.Errorf("config file %s: %s%s", path, line, hint))
		hint = ""
	}
	return errors.Join(errs...)
}

// tabIndent finds a line indented with a tab, which YAML refuses.
var tabIndent = regexp.MustCompile(`(?m)^ *\t`)

// maxFileBytes bounds a config file: every setting with a comment fits in
// a few KiB.
const maxFileBytes = 1 << 20

// pipeWait bounds how long a -config pipe (a named one, or a shell's
// <(...)) may take to be opened by its writer and then written to its end;
// a variable for the tests only.
var pipeWait = 30 * time.Second

// readFile reads a config file of at most maxFileBytes. The bound is a
// gate of ours: koanf reads whatever path it is given to the end, so
// -config /dev/zero would fill memory before any error. So is pipeWait: a
// pipe nobody writes to would hold the start, before signals are caught,
// without a word.
func readFile(path string) ([]byte, error) {
	f, err := openConfig(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := f.SetReadDeadline(time.Now().Add(pipeWait)); err != nil && !errors.Is(err, os.ErrNoDeadline) {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, fmt.Errorf("a pipe whose writer did not finish within %s", pipeWait)
	}
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileBytes {
		return nil, fmt.Errorf("larger than %d KiB: not a config file", maxFileBytes>>10)
	}
	return b, nil
}

// openConfig opens path for reading; a named pipe, whose open waits for a
// writer, is given pipeWait for one to come.
func openConfig(path string) (*os.File, error) {
	if fi, err := os.Stat(path); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		return os.Open(path)
	}
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		done <- opened{f, err}
	}()
	select {
	case o := <-done:
		return o.f, o.err
	case <-time.After(pipeWait):
		// The open goes on; should a writer come after all, its file is closed.
		go func() {
			if o := <-done; o.f != nil {
				_ = o.f.Close()
			}
		}()
		return nil, fmt.Errorf("a pipe no writer opened within %s", pipeWait)
	}
}

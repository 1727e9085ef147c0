package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// checkOneDocument refuses a file holding settings in a YAML document after
// its first. The gate is ours: the parser reads the first document only, so
// two files joined with --- between them (cat base.yaml prod.yaml) would
// have the second's settings silently ignored. Empty documents (a trailing
// ---, or one of comments only) hold nothing to lose.
func checkOneDocument(path string, data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		var doc yaml.Node
		switch err := dec.Decode(&doc); {
		case errors.Is(err, io.EOF):
			return nil
		case n == 1 && err != nil:
			return nil // the file has been parsed already: this cannot fail
		case n > 1 && (err != nil || !emptyDocument(&doc)):
			// Without the parser's text, which may quote the file.
			return fmt.Errorf("config file %s: holds more than one YAML document, and only the first is read: put every setting in one document, without a --- line between them", path)
		}
	}
}

// emptyDocument reports whether doc holds no value: nothing, or null.
func emptyDocument(doc *yaml.Node) bool {
	return len(doc.Content) == 0 || doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].ShortTag() == "!!null"
}

package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// wholeDecimal is a YAML integer written in base 10.
var wholeDecimal = regexp.MustCompile(`^[-+]?(0|[1-9][0-9]*)$`)

// checkFileNumbers refuses a setting the file at path writes as an integer
// in another base than 10. The gate is ours: YAML reads 010 as 8 and 0x,
// 0o, 0b and 1_000 as Go does, where the environment's values are read in
// base 10 only. Settings only, never the dev tenant's clients and users,
// whose secrets no message may repeat.
func checkFileNumbers(path string, data []byte) error {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return nil // the file has been parsed already; this cannot fail
	}
	known := knownKeys()
	var errs []error
	var walk func(key string, n *yaml.Node)
	walk = func(key string, n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(key, c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(strings.TrimPrefix(key+"."+n.Content[i].Value, "."), n.Content[i+1])
			}
		case yaml.ScalarNode:
			if n.ShortTag() == "!!int" && !wholeDecimal.MatchString(n.Value) && slices.Contains(known, key) {
				var read any
				_ = n.Decode(&read)
				errs = append(errs, fmt.Errorf("%s (in file %s) %s is not a whole number in base 10 (YAML reads it as %v)", key, path, n.Value, read))
			}
		}
	}
	walk("", &doc)
	return errors.Join(errs...)
}

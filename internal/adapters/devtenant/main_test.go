package devtenant

import (
	"os"
	"path/filepath"
	"testing"
)

// testKeyFile is the signing key file every test tenant shares, in a
// directory removed after the tests, so no test touches the user's cache.
var testKeyFile string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "devtenant-test-")
	if err != nil {
		panic(err)
	}
	testKeyFile = filepath.Join(dir, "key.pem")
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

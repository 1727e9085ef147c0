package devtenant

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"

	"go.uber.org/zap"
)

// keyBits is the RSA modulus size, as Auth0 uses.
const keyBits = 2048

// signingKey loads the key of cfg.KeyFile (default DefaultKeyFile). With
// no key file configured and no user cache directory (no $HOME, say), the
// key lives in memory only, as a warning says: dev mode still starts.
func signingKey(cfg Config, log *zap.Logger) (*rsa.PrivateKey, error) {
	path := cfg.KeyFile
	if path == "" {
		var err error
		if path, err = DefaultKeyFile(); err != nil {
			log.Warn("the dev tenant's signing key lives in memory only: tokens will not outlive a restart", zap.Error(err))
			key, err := rsa.GenerateKey(rand.Reader, keyBits)
			if err != nil {
				return nil, fmt.Errorf("generate signing key: %w", err)
			}
			return key, nil
		}
	}
	key, created, err := loadOrCreateKey(path, cfg.ResetKey)
	if err != nil {
		return nil, err
	}
	log.Info("dev tenant signing key", zap.String("key_file", path), zap.Bool("created", created), zap.Bool("reset", cfg.ResetKey))
	return key, nil
}

// loadOrCreateKey returns the signing key kept at path, creating the file
// (mode 0600, directory 0700) with a new key when it is missing or reset
// is set. A key file others can read, or one that is not a PEM PKCS #8 RSA
// key of at least 2048 bits, is an error naming the fix: a dev token
// signed with a leaked key would pass the dev API.
func loadOrCreateKey(path string, reset bool) (key *rsa.PrivateKey, created bool, err error) {
	fix := fmt.Sprintf("delete %s or start with -dev-reset for a new key", path)
	// Neither fix fits a directory: reset would remove it if empty, or
	// fail on what it holds.
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return nil, false, fmt.Errorf("key file %s is a directory: set dev_tenant.key_file to the path of a file", path)
	}
	if reset {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, false, fmt.Errorf("reset key file: %w", err)
		}
	}
	// Opened, then checked: what is read is the file checked, whatever is
	// swapped in at path meanwhile; a named pipe (O_NONBLOCK) does not
	// hold the start.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		key, err := createKey(path)
		return key, err == nil, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("key file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, false, fmt.Errorf("key file: %w", err)
	}
	switch {
	case !info.Mode().IsRegular():
		return nil, false, fmt.Errorf("key file %s is not a regular file: %s", path, fix)
	case runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0:
		return nil, false, fmt.Errorf("key file %s has mode %04o, readable by others: run chmod 600 %s, or %s", path, info.Mode().Perm(), path, fix)
	}
	// Gate: read whole, a file of gigabytes named by mistake took as much
	// memory, and seconds, before it was refused as no key.
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, false, fmt.Errorf("key file: %w", err)
	}
	if len(data) > maxKeyFileBytes {
		return nil, false, fmt.Errorf("key file %s is larger than %d KiB, not a key: %s", path, maxKeyFileBytes>>10, fix)
	}
	key, err = parseKey(data)
	if err != nil {
		return nil, false, fmt.Errorf("key file %s: %w: %s", path, err, fix)
	}
	return key, false, nil
}

// maxKeyFileBytes bounds a key file: a PEM RSA key of 16384 bits takes
// about 13 KiB.
const maxKeyFileBytes = 64 << 10

func parseKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM \"PRIVATE KEY\" block")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a PKCS #8 key: %w", err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok || key.N.BitLen() < keyBits {
		return nil, fmt.Errorf("not an RSA key of at least %d bits", keyBits)
	}
	return key, nil
}

// createKey generates a key and writes it atomically: a temporary file in
// the same directory, then a rename, so a reader never sees half a key.
func createKey(path string) (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode signing key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("key directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".dev-tenant-key-*") // CreateTemp uses mode 0600
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	defer func() { _ = os.Remove(f.Name()) }() // a no-op after the rename
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write key file: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	return key, nil
}

package auth0_test

// Fakes of the verifier's tests: a KeyFinder pinned to a kid → key map and
// a listener that counts what reaches it. Names carry the "vt" prefix of
// verifier_fixtures_test.go.

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/example/messages-api/internal/ports"
)

// vtStaticKeys is a KeyFinder pinned to a kid → key map. It answers an
// unknown kid the way *auth0.KeySource does with a key set held, and err
// (when set) the way it does when no key set can be had.
type vtStaticKeys struct {
	mu    sync.Mutex
	keys  map[string]*rsa.PublicKey
	err   error
	calls atomic.Int64
}

func (s *vtStaticKeys) Key(_ context.Context, kid string) (*rsa.PublicKey, error) {
	s.calls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	return nil, ports.Invalid(ports.ReasonUnknownKey, "no key matches the token's kid")
}

func (s *vtStaticKeys) set(kid string, key *rsa.PublicKey, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = map[string]*rsa.PublicKey{}
	}
	if key == nil {
		delete(s.keys, kid)
	} else {
		s.keys[kid] = key
	}
	s.err = err
}

// vtNilKeys is a vtStaticKeys that, once nilKey is set, answers every kid
// with no key and no error, as a careless KeyFinder might.
type vtNilKeys struct {
	vtStaticKeys
	nilKey atomic.Bool
}

func (n *vtNilKeys) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if n.nilKey.Load() {
		return nil, nil
	}
	return n.vtStaticKeys.Key(ctx, kid)
}

// vtListener counts every request it receives; the verifier must never
// contact a URL taken from a token (jku, x5u).
type vtListener struct {
	srv  *httptest.Server
	hits atomic.Int64
}

func vtNewListener(t *testing.T) *vtListener {
	t.Helper()
	l := &vtListener{}
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		l.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, vtJSON(map[string]any{"keys": []any{vtJWK(vtAttackerKid, &vtKeys().attacker.PublicKey)}}))
	}))
	t.Cleanup(l.srv.Close)
	return l
}

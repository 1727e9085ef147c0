package auth0

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// A JWK Set (RFC 7517 §5): the document, its limits and what it gives away;
// one entry is jwk.go's.

// maxJWKSEntries bounds the entries of one JWKS that are decoded: each costs
// a JSON object and a key, so a body of a megabyte of "{}," would cost 136
// MiB and a second and a half per fetch. Auth0 publishes two or three keys.
const maxJWKSEntries = 100

// maxKeysPerKid bounds how many different keys one kid may name: a token
// under a shared kid is checked against each (RFC 7517 §4.5 lets entries of
// different kty or use share a kid; two signing keys under one kid happen
// in rotations gone wrong), and each check is an RSA operation.
const maxKeysPerKid = 3

// jwksReport says what parseJWKS ignored.
type jwksReport struct {
	entries int
	reasons map[string]int // reason → count
	kids    []string       // safe-to-log kids of ignored entries, at most maxLoggedKids
	leaked  leaks          // what entries with private members give away
	given   []*big.Int     // moduli of the kept keys dropped as given away (jwkDropLeakedElsewhere)
	// givenKids are the kids left with no key, one of theirs given away.
	givenKids []string
	// privateKids are the kids of the set's entries dropped for a private
	// member: read with each entry, whatever leaked's scan could afford.
	privateKids []string
}

func (r *jwksReport) drop(reason, kid string) {
	r.count(reason)
	if len(r.kids) < maxLoggedKids {
		if kid == "" {
			r.kids = append(r.kids, "<none>")
		} else {
			r.kids = append(r.kids, quoteForLog(kid))
		}
	}
}

// count counts an entry dropped for reason, whose kid is not known.
func (r *jwksReport) count(reason string) {
	if r.reasons == nil {
		r.reasons = make(map[string]int)
	}
	r.reasons[reason]++
}

func (r *jwksReport) reasonSummary() string {
	parts := make([]string, 0, len(r.reasons))
	for reason, n := range r.reasons {
		parts = append(parts, reason+"="+strconv.Itoa(n))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// errNoKeysArray: the document has no "keys" array, or one that does not
// parse as JSON.
var errNoKeysArray = errors.New(`no "keys" array`)

// errKeysTwice: the document names "keys" more than once.
var errKeysTwice = errors.New(`"keys" named twice`)

// lenientDecoder reads b token by token, as leniently as encoding/json
// does (duplicate names, invalid UTF-8): what an entry gets wrong is
// judged by the checks that read it, one entry at a time.
func lenientDecoder(b []byte) *jsontext.Decoder {
	return jsontext.NewDecoder(bytes.NewReader(b), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
}

// parseJWKS keeps the entries usable as RS256 verification keys, by kid. An
// error means the document itself is unusable; entries are decoded one by
// one (decodeJWK), so one odd entry never poisons the set. Identical
// duplicates count once; up to maxKeysPerKid different keys may share a
// kid; past maxJWKSEntries entries are counted, not decoded; and once all
// are read, a key that an entry with private members gave away is dropped
// wherever it stands: in the set, past maxJWKSEntries, or anywhere in a
// document that is no key set. With an error, the report's leaked is still
// what the document publishes, for the caller to drop from the keys it
// holds.
func parseJWKS(body []byte) (map[string][]*rsa.PublicKey, jwksReport, error) {
	var rep jwksReport
	// What the document publishes is published, whatever else it is or is
	// not: every object in it, complete or cut short, is read first.
	rep.leaked.addDocument(body)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return nil, rep, errors.New("not a JSON object")
	}
	raw, ok := doc["keys"]
	if t := bytes.TrimSpace(raw); !ok || len(t) == 0 || t[0] != '[' {
		return nil, rep, errNoKeysArray
	}
	// Named twice, "keys" is whichever a parser picks (RFC 8259 §4), and
	// the one not read could hold a private key: none is trusted (what
	// either gives away is read above).
	if all, _ := jwkAllMembers(body); len(all["keys"]) > 1 {
		return nil, rep, errKeysTwice
	}
	// The entries are read one at a time, and those past maxJWKSEntries
	// skipped without a copy.
	dec := lenientDecoder(raw)
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
		return nil, rep, errNoKeysArray
	}
	keys := make(map[string][]*rsa.PublicKey)
	for {
		switch dec.PeekKind() {
		case ']':
			dropLeaked(keys, &rep.leaked, &rep)
			return keys, rep, nil
		case 0: // the document parsed above, so this is no JSON fault of its own
			return nil, rep, errNoKeysArray
		}
		rep.entries++
		if rep.entries > maxJWKSEntries {
			if dec.SkipValue() != nil {
				return nil, rep, errNoKeysArray
			}
			rep.count(jwkDropTooManyEntries)
			continue
		}
		e, err := dec.ReadValue()
		if err != nil {
			return nil, rep, errNoKeysArray
		}
		kid, key, reason := decodeJWK(json.RawMessage(e))
		if reason == jwkDropPrivate && kid != "" {
			rep.privateKids = append(rep.privateKids, kid)
		}
		if key != nil {
			switch held := keys[kid]; {
			case slices.ContainsFunc(held, func(k *rsa.PublicKey) bool { return sameKey(k, key) }):
				reason = jwkDropIdentical
			case len(held) == maxKeysPerKid:
				reason = jwkDropTooManyPerKid
			default:
				keys[kid] = append(held, key)
				continue
			}
		}
		rep.drop(reason, kid)
	}
}

// dropLeaked drops every kept key that an entry with a private member
// gave away: whoever read the set can sign with it, under any kid.
func dropLeaked(keys map[string][]*rsa.PublicKey, leaked *leaks, rep *jwksReport) {
	if !leaked.any() {
		return
	}
	var given []string // in kid order, a kid once per key given away
	dropKeys(keys, rep, func(kid string, k *rsa.PublicKey) string {
		reason := leaked.drop(k)
		if reason == jwkDropLeakedElsewhere {
			rep.given = append(rep.given, k.N)
			given = append(given, kid)
		}
		return reason
	})
	for _, kid := range slices.Compact(given) {
		if _, kept := keys[kid]; !kept {
			rep.givenKids = append(rep.givenKids, kid)
		}
	}
}

// dropKeys drops, and reports, every key of keys that why gives a reason
// for, and every kid left with none. Kids go in sorted order: the logged
// kids, and which keys a work bound reaches, are stable.
func dropKeys(keys map[string][]*rsa.PublicKey, rep *jwksReport, why func(kid string, k *rsa.PublicKey) string) {
	for _, kid := range slices.Sorted(maps.Keys(keys)) {
		kept := slices.DeleteFunc(keys[kid], func(k *rsa.PublicKey) bool {
			reason := why(kid, k)
			if reason != "" {
				rep.drop(reason, kid)
			}
			return reason != ""
		})
		if len(kept) == 0 {
			delete(keys, kid)
		} else {
			keys[kid] = kept
		}
	}
}

package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// strictTypes is a gate in front of mapstructure's WeaklyTypedInput, which
// the environment's strings need but which would otherwise quietly turn a
// file's bare 10 into a 10ns timeout, true into port 1 or the text "1", 2
// into true and 3010.5 into 3010, and an empty variable into 0 or false.
func strictTypes(from, to reflect.Type, data any) (any, error) {
	s, isString := data.(string)
	// The decoder's own words for these are Go's ("got unconvertible type
	// '[]interface {}'", or 'time.Time' for a YAML date).
	if k := to.Kind(); k == reflect.String || k == reflect.Bool || k >= reflect.Int && k <= reflect.Float64 { // one value
		switch from.Kind() {
		case reflect.Slice, reflect.Array:
			return nil, errors.New("is a list, where the setting takes one value")
		case reflect.Map:
			return nil, errors.New("is a mapping, where the setting takes one value")
		}
		if _, ok := data.(time.Time); ok {
			return nil, errors.New("is read by YAML as a date or time: quote it")
		}
	}
	switch {
	case to == reflect.TypeFor[time.Duration]():
		if !isString {
			// A bare 0 is 0 in every unit, as time.ParseDuration reads it.
			v := reflect.ValueOf(data)
			if v.CanInt() && v.Int() == 0 || v.CanUint() && v.Uint() == 0 || v.CanFloat() && v.Float() == 0 {
				return time.Duration(0), nil
			}
			if v.CanInt() || v.CanUint() || v.CanFloat() && !math.IsNaN(v.Float()) && !math.IsInf(v.Float(), 0) {
				return nil, fmt.Errorf("%v needs a unit, such as 10s, 500ms or 5m", data)
			}
			return nil, fmt.Errorf("%v is not a duration, such as 10s, 500ms or 5m", data)
		}
		// The environment's bare 10 gets the file's message, not Go's
		// "missing unit in duration" (a bare 0 parses, and means 0); any
		// other failure names the value, which Go's "time: unknown unit" does not.
		if v := strings.TrimSpace(s); v != "" {
			if _, err := time.ParseDuration(v); err != nil {
				if f, nerr := strconv.ParseFloat(v, 64); nerr == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
					return nil, fmt.Errorf("%s needs a unit, such as 10s, 500ms or 5m", v)
				}
				if durationSyntax.MatchString(v) { // Go says "invalid duration" of 2562048h too
					return nil, fmt.Errorf("%q is out of range: a duration is at most 2562047h (about 292 years) either way", v)
				}
				return nil, fmt.Errorf("%q is not a duration, such as 10s, 500ms or 5m", v)
			}
			return v, nil // trimmed, as numbers and the environment's values are
		}
	case to.Kind() == reflect.Bool:
		if !isString && from.Kind() != reflect.Bool {
			return nil, fmt.Errorf("%v is not true or false", data)
		}
		if v := strings.TrimSpace(s); isString && v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("%q is not true or false", v)
			}
			return b, nil
		}
	case to.Kind() == reflect.String:
		// A file's true, 1e3 or 1.50 would be "1", "1000" and "1.5": not
		// what was written.
		if !isString {
			// Not quoted back: it may be a dev user's password or a
			// client's secret (and 0x1F would show as 31 anyway).
			return nil, errors.New("is not text (YAML reads it as a number, a boolean or null): quote it")
		}
		return data, nil // an empty string is each string setting's own to judge
	case to.Kind() >= reflect.Int && to.Kind() <= reflect.Uint64:
		if from.Kind() == reflect.Bool {
			return nil, fmt.Errorf("%v is not a number", data)
		}
		if f, ok := data.(float64); ok && f != math.Trunc(f) {
			return nil, fmt.Errorf("%v is not a whole number", data)
		}
		if v := strings.TrimSpace(s); isString && v != "" {
			return decimal(to, v)
		}
		if !fits(to, data) {
			return nil, fmt.Errorf("%v is out of range", data)
		}
	default:
		return data, nil
	}
	if isString && strings.TrimSpace(s) == "" {
		return nil, errors.New(emptyVariable)
	}
	return data, nil
}

// durationSyntax is what time.ParseDuration reads: a value that has it and
// still fails to parse is beyond the ±2562047h a time.Duration holds.
var durationSyntax = regexp.MustCompile(`^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`)

// emptyVariable is an empty value's advice; attribute gives a file's empty
// setting emptyFileKey instead, since a file has no variable to unset.
const (
	emptyVariable = "is empty: give a value or leave the variable unset"
	emptyFileKey  = "is empty: give a value or remove the key to take the default"
)

// decimal reads v as a base-10 number of type to. The decoder alone would
// read a string in any base Go's syntax names (0x0BC2 as 3010, 010 as 8,
// 1_000 as 1000), and its errors name neither the value nor the fault.
func decimal(to reflect.Type, v string) (any, error) {
	out := reflect.New(to).Elem()
	var err error
	if out.CanInt() {
		var n int64
		if n, err = strconv.ParseInt(v, 10, to.Bits()); err == nil {
			out.SetInt(n)
		}
	} else {
		var n uint64
		if n, err = strconv.ParseUint(v, 10, to.Bits()); err == nil {
			out.SetUint(n)
		}
	}
	switch {
	case errors.Is(err, strconv.ErrRange):
		return nil, fmt.Errorf("%q is out of range", v)
	case err != nil:
		return nil, fmt.Errorf("%q is not a whole number", v)
	}
	return out.Interface(), nil
}

// fits reports whether a YAML number (an int, a uint64 above the int64
// range, or a float64 for what lies beyond) fits the integer type to: the
// decoder converts without checking, so 2^64-1 would become -1 and 1e20 the
// lowest int64 (a float64's conversion is the platform's to choose).
func fits(to reflect.Type, data any) bool {
	out := reflect.New(to).Elem()
	switch v := reflect.ValueOf(data); {
	case v.CanInt():
		return out.CanInt() && !out.OverflowInt(v.Int()) || out.CanUint() && v.Int() >= 0 && !out.OverflowUint(uint64(v.Int()))
	case v.CanUint():
		return out.CanUint() && !out.OverflowUint(v.Uint()) || out.CanInt() && v.Uint() <= math.MaxInt64 && !out.OverflowInt(int64(v.Uint()))
	case v.CanFloat():
		f := v.Float() // whole, checked above; 2^63 and 2^64 are exact in a float64
		if out.CanInt() {
			return f >= math.MinInt64 && f < math.MaxInt64 && !out.OverflowInt(int64(f))
		}
		return f >= 0 && f < math.MaxUint64 && !out.OverflowUint(uint64(f))
	}
	return true
}

// listHook splits a list given as one string (a file's "a, b") as the
// environment's lists are split: on commas, trimmed, empty entries dropped.
func listHook(from, to reflect.Type, data any) (any, error) {
	if s, ok := data.(string); ok && to == reflect.TypeFor[[]string]() {
		return SplitList(s), nil
	}
	return data, nil
}

// SplitList splits a list setting as the service reads it (AUTH0_AUDIENCE,
// CORS_ALLOWED_ORIGINS): on commas, each entry trimmed, empty entries dropped;
// nil when none is left.
func SplitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// typedLike parses a value given as a string (by the environment, or
// quoted in a file) as the type of the setting's default (an int or a
// bool), so the effective config logged at startup keeps one type per
// setting. Its caller has decoded the config, so such values parse once
// trimmed, as strictTypes trims them (a file's " 8080 " is port 8080).
func typedLike(def any, v string) any {
	switch def.(type) {
	case int:
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return n
		}
	case bool:
		if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
			return b
		}
	}
	return v
}

var goFieldPath = regexp.MustCompile(`'([A-Z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9_]*(\[[0-9]+\])?)*)'`)

// settingNames rewrites the decoder's Go field paths ('Keys.FetchTimeout')
// into the names a user sets (keys.fetch_timeout, JWKS_FETCH_TIMEOUT).
func settingNames(msg string) string {
	byKey := make(map[string]string, len(Env))
	for name, key := range Env {
		byKey[key] = name
	}
	return goFieldPath.ReplaceAllStringFunc(msg, func(m string) string {
		parts := strings.Split(strings.Trim(m, "'"), ".")
		for i, p := range parts {
			parts[i] = snake(p)
		}
		key := strings.Join(parts, ".")
		if name, ok := byKey[key]; ok {
			return name + " (" + key + ")"
		}
		return key
	})
}

// snake turns FetchTimeout into fetch_timeout and HTTP into http.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rune(s[i-1])) ||
			i+1 < len(s) && unicode.IsLower(rune(s[i+1])) && unicode.IsUpper(rune(s[i-1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Filter is one set of Docker API filters, as sent by a Testcontainers client on one line,
// e.g. "label=org.testcontainers%3Dtrue&label=org.testcontainers.sessionId%3Dabc".
// A resource must match every entry of the set (Docker's semantics for repeated labels).
type Filter map[string][]string

// ParseFilter parses one protocol line (URL query encoding, '&' separated key=value pairs).
func ParseFilter(line string) (Filter, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil, fmt.Errorf("empty filter")
	}
	q, err := url.ParseQuery(line)
	if err != nil {
		return nil, fmt.Errorf("parse filter %q: %w", line, err)
	}
	f := Filter{}
	for k, vs := range q {
		if k == "" {
			return nil, fmt.Errorf("parse filter %q: empty key", line)
		}
		for _, v := range vs {
			f[k] = append(f[k], v)
		}
		sort.Strings(f[k])
	}
	return f, nil
}

// Key is a canonical string for de-duplicating identical filters.
func (f Filter) Key() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vs := append([]string(nil), f[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return b.String()
}

// JSON renders the filter in the Docker Engine API "filters" query parameter format.
func (f Filter) JSON() string {
	m := map[string]map[string]bool{}
	for k, vs := range f {
		m[k] = map[string]bool{}
		for _, v := range vs {
			m[k][v] = true
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

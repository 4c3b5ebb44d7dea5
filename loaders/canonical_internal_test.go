package loaders

import "testing"

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{}`, `{}`},
		{` { } `, `{}`},
		{`{"device": "web"}`, `{"device":"web"}`},
		{`{"b":1,"a":2}`, `{"a":2,"b":1}`},
		{`{"a":{"d":[1.0,2e0,{"y":1,"x":0}],"c":null}}`, `{"a":{"c":null,"d":[1,2,{"x":0,"y":1}]}}`},
		{`{"s":"w\u0065b\/x"}`, `{"s":"web/x"}`},
		{`{"n":1.50}`, `{"n":1.5}`},
		{`{"n":15E-1}`, `{"n":1.5}`},
		{`{"n":-0}`, `{"n":0}`},
		{`{"n":-0.0}`, `{"n":0}`},
		{`{"n":100}`, `{"n":100}`},
		{`{"n":1e2}`, `{"n":100}`},
		{`{"n":12345678901234567891}`, `{"n":12345678901234567891}`},
		{`{"n":0.1}`, `{"n":0.1}`},
		{`{"n":1e999999}`, `{"n":1e999999}`},
		{`{"t":true,"f":false}`, `{"f":false,"t":true}`},
		{`[3, "x"]`, `[3,"x"]`},
		{`"text"`, `"text"`},
	}
	for _, tt := range tests {
		got, err := canonicalJSON(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("canonicalJSON(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":1} {"b":2}`, `{"a":1}x`, `nope`} {
		if got, err := canonicalJSON(bad); err == nil {
			t.Errorf("canonicalJSON(%q) = %q, want an error", bad, got)
		}
	}
}

package config

import (
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"
)

// Params is a model's configuration section kept as written, for a model
// that owns its parameters type (models/<name>/): the model decodes it
// with Decode into its defaults. Parse accepts any mapping here; the
// model's own decoding reports unknown keys and wrong types with their
// path and line.
type Params struct {
	node *yaml.Node
}

// UnmarshalYAML keeps the section's node; it must be a mapping or empty.
func (p *Params) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Tag == "!!null" {
		p.node = nil
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("want a mapping of keys, got %s", describe(n))
	}
	p.node = n
	return nil
}

// IsZero reports whether the section was absent or empty.
func (p Params) IsZero() bool { return p.node == nil }

// Decode decodes the section strictly into into (a pointer to the model's
// parameters, already holding its defaults): keys absent from the file
// keep their defaults, an unknown key or a wrongly typed value is an
// Errors naming key.field and the line. key is the section's dotted path,
// e.g. "models.campaigns".
func (p Params) Decode(key string, into any) error {
	if p.node == nil {
		return nil
	}
	t := reflect.TypeOf(into)
	if t == nil || t.Kind() != reflect.Pointer {
		return fmt.Errorf("decode %s: want a pointer, got %T", key, into)
	}
	if errs := check(p.node, t.Elem(), key, false); len(errs) > 0 {
		return errs
	}
	if err := p.node.Decode(into); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultPath is read when no --config is given and the file exists.
const DefaultPath = "memberlytics.yaml"

// Env names the environment overrides.
const (
	EnvAddr         = "MEMBERLYTICS_CLICKHOUSE_ADDR"
	EnvDatabase     = "MEMBERLYTICS_CLICKHOUSE_DATABASE"
	EnvUser         = "MEMBERLYTICS_CLICKHOUSE_USER"
	EnvPassword     = "MEMBERLYTICS_CLICKHOUSE_PASSWORD"
	EnvPasswordFile = "MEMBERLYTICS_CLICKHOUSE_PASSWORD_FILE"
)

// Load builds the configuration: defaults, then the YAML file at path (when
// path is empty, DefaultPath if it exists), then the environment read
// through getenv (os.Getenv in production), then validation. explicit says
// the path was named by the user, so a missing file is an error.
func Load(path string, explicit bool, getenv func(string) string) (Config, error) {
	cfg := Default()
	if path == "" {
		path = DefaultPath
	}
	data, err := os.ReadFile(path)
	cfg.Origin.keys = map[string]bool{}
	switch {
	case err == nil:
		if err := Parse(data, &cfg); err != nil {
			return Config{}, fmt.Errorf("load config %s: %w", path, err)
		}
		cfg.Origin.File = path
		var root yaml.Node
		if yaml.Unmarshal(data, &root) == nil && len(root.Content) > 0 {
			collectKeys(root.Content[0], "", cfg.Origin.keys)
		}
	case errors.Is(err, os.ErrNotExist) && !explicit:
	case errors.Is(err, os.ErrNotExist):
		return Config{}, fmt.Errorf("load config %s: %w", path, ErrNoFile)
	default:
		return Config{}, fmt.Errorf("load config %s: %w", path, err)
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return Config{}, err
	}
	if getenv != nil {
		if err := applyServerEnv(&cfg, getenv); err != nil {
			return Config{}, err
		}
	}
	if err := resolveServerToken(&cfg); err != nil {
		return Config{}, err
	}
	if cfg.ClickHouse.Password.IsSet() && cfg.ClickHouse.PasswordFile != "" {
		return Config{}, Errors{{Key: "clickhouse.password_file", Reason: "set either password or password_file, not both"}}
	}
	if err := resolveSecrets(&cfg); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Parse reads YAML into cfg strictly: every key must exist in Config and
// every value must have the key's type. Keys absent from the file keep the
// values already in cfg. All problems are reported together, each with its
// key path and line.
func Parse(data []byte, cfg *Config) error {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file is allowed
		}
		return fmt.Errorf("parse yaml: %w", err)
	}
	if len(root.Content) == 0 {
		return nil
	}
	doc := root.Content[0]
	if errs := check(doc, reflect.TypeOf(cfg).Elem(), "", false); len(errs) > 0 {
		return errs
	}
	if err := doc.Decode(cfg); err != nil {
		return fmt.Errorf("decode yaml: %w", err)
	}
	return nil
}

var (
	unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
	secretType      = reflect.TypeOf(Secret(""))
)

// check walks a YAML node beside the Go type it will decode into and
// reports unknown keys and wrongly typed values with their paths. Under a
// secret key (a Secret, or a field tagged secret:"true" such as the
// webhook URL) a value is never shown, whatever its type.
func check(n *yaml.Node, t reflect.Type, path string, secret bool) Errors {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	secret = secret || t == secretType
	describe := describe
	if secret {
		describe = describeHidden
	}
	bad := func(reason string) Errors {
		key := path
		if key == "" {
			key = "(top level)"
		}
		return Errors{{Key: key, Line: n.Line, Reason: reason}}
	}
	if n.Tag == "!!null" && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map) {
		return nil
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		if err := reflect.New(t).Interface().(yaml.Unmarshaler).UnmarshalYAML(n); err != nil {
			return bad(err.Error())
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return check(n, t.Elem(), path, secret)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return bad("want a mapping of keys, got " + describe(n))
		}
		fields := map[string]reflect.StructField{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" || !f.IsExported() {
				continue
			}
			fields[tag] = f
			names = append(names, tag)
		}
		var errs Errors
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub := join(path, k.Value)
			if seen[k.Value] {
				errs = append(errs, &FieldError{Key: sub, Line: k.Line, Reason: "key given twice"})
				continue
			}
			seen[k.Value] = true
			f, ok := fields[k.Value]
			if !ok {
				errs = append(errs, &FieldError{Key: sub, Line: k.Line, Reason: "unknown key (known keys: " + strings.Join(names, ", ") + ")"})
				continue
			}
			errs = append(errs, check(v, f.Type, sub, secret || f.Tag.Get("secret") == "true")...)
		}
		return errs
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return bad("want a mapping, got " + describe(n))
		}
		var errs Errors
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, check(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value), secret)...)
		}
		return errs
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return bad("want a list, got " + describe(n))
		}
		var errs Errors
		for i, item := range n.Content {
			errs = append(errs, check(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i), secret)...)
		}
		return errs
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
			return bad("want a string, got " + describe(n) + " (quote it if it is meant as text)")
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return bad("want true or false, got " + describe(n))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return bad("want a whole number, got " + describe(n))
		}
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			if secret {
				return bad("number out of range")
			}
			return bad("number out of range: " + n.Value)
		}
	case reflect.Float32, reflect.Float64:
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
			return bad("want a number, got " + describe(n))
		}
	}
	return nil
}

// collectKeys records every key path of a YAML mapping, leaves and
// sections alike.
func collectKeys(n *yaml.Node, path string, keys map[string]bool) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		sub := join(path, n.Content[i].Value)
		keys[sub] = true
		collectKeys(n.Content[i+1], sub, keys)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func describe(n *yaml.Node) string { return describeValue(n, false) }

// describeHidden is describe for the value of a secret key: its kind,
// never its text.
func describeHidden(n *yaml.Node) string { return describeValue(n, true) }

// describeValue names n's kind and, unless hidden, its value.
func describeValue(n *yaml.Node, hidden bool) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	kind, shown := "a value", fmt.Sprintf("%q", n.Value)
	switch n.Tag {
	case "!!str":
		kind, shown = "a string", fmt.Sprintf("string %q", n.Value)
	case "!!int", "!!float":
		kind, shown = "a number", "number "+n.Value
	case "!!bool":
		kind, shown = "a boolean", "boolean "+n.Value
	case "!!null":
		return "nothing (null)"
	}
	if hidden {
		return kind + " (value not shown)"
	}
	return shown
}

func applyEnv(cfg *Config, getenv func(string) string) error {
	if getenv == nil {
		return nil
	}
	if v := getenv(EnvAddr); v != "" {
		cfg.ClickHouse.Addr = v
		if cfg.Origin.keys != nil {
			cfg.Origin.keys["clickhouse.addr"] = true
		}
	}
	if v := getenv(EnvDatabase); v != "" {
		cfg.ClickHouse.Database = v
	}
	if v := getenv(EnvUser); v != "" {
		cfg.ClickHouse.User = v
	}
	pw, pwFile := getenv(EnvPassword), getenv(EnvPasswordFile)
	if pw != "" && pwFile != "" {
		return Errors{{Key: EnvPasswordFile, Reason: "set either " + EnvPassword + " or " + EnvPasswordFile + ", not both"}}
	}
	if pw != "" {
		cfg.ClickHouse.Password, cfg.ClickHouse.PasswordFile = Secret(pw), ""
	}
	if pwFile != "" {
		cfg.ClickHouse.PasswordFile, cfg.ClickHouse.Password = pwFile, ""
	}
	return nil
}

// resolveSecrets reads password_file into Password. The error names the
// file but never its content.
func resolveSecrets(cfg *Config) error {
	ch := &cfg.ClickHouse
	if ch.PasswordFile == "" || ch.Password.IsSet() {
		return nil
	}
	data, err := os.ReadFile(ch.PasswordFile)
	if err != nil {
		var pe *os.PathError
		reason := "cannot read the file"
		if errors.As(err, &pe) {
			reason = "cannot read " + pe.Path + ": " + pe.Err.Error()
		}
		return Errors{{Key: "clickhouse.password_file", Reason: reason}}
	}
	ch.Password = Secret(strings.TrimRight(string(data), "\r\n"))
	return nil
}

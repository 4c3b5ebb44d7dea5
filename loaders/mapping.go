package loaders

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Kind is what a file holds: members, orders, events, order items or
// campaign assignments.
type Kind string

// The kinds. Members, orders and events load into the raw table of the
// same name, items into order_items and campaigns into campaign_members
// (Kind.Table).
const (
	Members   Kind = "members"
	Orders    Kind = "orders"
	Events    Kind = "events"
	Items     Kind = "items"
	Campaigns Kind = "campaigns"
)

// kindNames lists the kinds for messages.
const kindNames = "members, orders, events, items or campaigns"

// ParseKind returns the Kind named s.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case Members, Orders, Events, Items, Campaigns:
		return k, nil
	}
	return "", fmt.Errorf("%w: kind must be %s, got %q", ErrInvalidOptions, kindNames, s)
}

// Table is the raw table files of kind k load into.
func (k Kind) Table() string {
	switch k {
	case Items:
		return "order_items"
	case Campaigns:
		return "campaign_members"
	}
	return string(k)
}

type colType int

const (
	tString   colType = iota
	tDateTime         // DateTime('UTC'), Unix seconds
	tDate             // Nullable(Date), days since 1970-01-01
	tDecimal          // Decimal(18, 2), cents
	tUInt32
	tFloat64
)

// column is a canonical column of a raw table.
type column struct {
	name     string
	typ      colType
	required bool
	// derived columns are computed from other columns, never read from
	// the source (a source column of that name is ignored).
	derived bool
}

// schema is a raw table: its canonical columns in table order, without
// the lineage columns file_id and loaded_at, which the loader adds.
type schema struct {
	kind Kind
	cols []column
	// filled are the columns the loader sets itself when the source lacks
	// them (from another column, a default other than the type's zero,
	// or a lookup): never left to the server.
	filled []string
}

var schemas = map[Kind]*schema{
	Members: {Members, []column{
		{"member_id", tString, true, false},
		{"joined_at", tDateTime, true, false},
		{"birthday", tDate, false, false},
		{"birth_date", tString, false, true}, // from birthday, also before 1970
		{"gender", tString, false, false},
		{"region", tString, false, false},
		{"channel", tString, false, false},
		{"source_tier", tString, false, false},
		{"updated_at", tDateTime, false, false},
	}, []string{"updated_at"}},
	Orders: {Orders, []column{
		{"order_id", tString, true, false},
		{"member_id", tString, true, false},
		{"ordered_at", tDateTime, true, false},
		{"amount", tDecimal, true, false},
		{"discount", tDecimal, false, false},
		{"items", tUInt32, false, false},
		{"channel", tString, false, false},
		{"store_id", tString, false, false},
		{"status", tString, false, false},
		{"updated_at", tDateTime, false, false},
	}, []string{"status", "updated_at"}},
	Events: {Events, []column{
		{"event_id", tString, false, false},
		{"member_id", tString, true, false},
		{"event_time", tDateTime, true, false},
		{"event_type", tString, true, false},
		{"value", tFloat64, false, false},
		{"properties", tString, false, false},
	}, []string{"event_id", "properties"}},
	// Items are order lines. member_id, when the file has none, is taken
	// from orders at load (Loader.fillItemMembers); category_l1..l3 are
	// the first three levels of the category path.
	Items: {Items, []column{
		{"order_id", tString, true, false},
		{"line_no", tUInt32, true, false},
		{"member_id", tString, false, false},
		{"sku", tString, true, false},
		{"category", tString, false, false},
		{"category_l1", tString, false, true},
		{"category_l2", tString, false, true},
		{"category_l3", tString, false, true},
		{"quantity", tUInt32, true, false},
		{"amount", tDecimal, true, false},
		{"updated_at", tDateTime, true, false},
	}, []string{"member_id"}},
	Campaigns: {Campaigns, []column{
		{"campaign_id", tString, true, false},
		{"member_id", tString, true, false},
		{"group", tString, true, false},
		{"assigned_at", tDateTime, true, false},
		{"variant", tString, false, false},
		{"channel", tString, false, false},
		{"segment", tString, false, false},
		{"cost", tDecimal, false, false},
		{"updated_at", tDateTime, false, false},
	}, []string{"updated_at"}},
}

func (s *schema) index(name string) int {
	for i, c := range s.cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

// insertColumns is the column list of an insert into the raw table or its
// stage: the canonical columns but those omit marks (nil omits none),
// then the lineage columns.
func (s *schema) insertColumns(omit []bool) string {
	names := make([]string, 0, len(s.cols)+2)
	for i, c := range s.cols {
		if omit == nil || !omit[i] {
			names = append(names, quoteColumn(c.name))
		}
	}
	return strings.Join(append(names, "file_id", "loaded_at"), ", ")
}

// omitted says which canonical columns an insert can leave to the server,
// given which ones the source has at all (given[i]; a reader whose rows
// may each have other columns gives nil, and nothing is omitted). A
// column the source lacks that is optional, not derived and not filled
// by the loader holds its type's zero value (0, empty or NULL) in every
// row, which is also what the server writes for a column the insert
// does not name (the raw tables have no other DEFAULT), so sending it
// would only cost both sides the work. Nil when none is omitted.
func (s *schema) omitted(given []bool) []bool {
	if given == nil {
		return nil
	}
	var omit []bool
	for i, c := range s.cols {
		if given[i] || c.required || c.derived || slices.Contains(s.filled, c.name) {
			continue
		}
		if omit == nil {
			omit = make([]bool, len(s.cols))
		}
		omit[i] = true
	}
	return omit
}

// quoteColumn quotes a column name that is an SQL keyword (campaign
// assignments' group).
func quoteColumn(name string) string {
	if name == "group" {
		return "`group`"
	}
	return name
}

// Mapping renames source columns to canonical ones (source -> canonical);
// a source column not in it keeps its own name.
type Mapping map[string]string

// resolve matches source column names (a CSV header, Parquet fields) to
// the schema: pos[i] is the source position of canonical column i, or -1.
// Header names are compared after trimming spaces. It fails when a
// required column is missing or two source columns give the same one.
func (s *schema) resolve(header []string, m Mapping) (pos []int, ignored []string, err error) {
	pos = make([]int, len(s.cols))
	for i := range pos {
		pos[i] = -1
	}
	for j, h := range header {
		name := strings.TrimSpace(h)
		if to, ok := m[name]; ok {
			name = to
		}
		i := s.index(name)
		if i < 0 || s.cols[i].derived {
			ignored = append(ignored, h)
			continue
		}
		if pos[i] >= 0 {
			return nil, nil, fmt.Errorf("%w: columns %q and %q both give %s", ErrInvalidOptions, header[pos[i]], h, name)
		}
		pos[i] = j
	}
	var missing []string
	for i, c := range s.cols {
		if c.required && pos[i] < 0 {
			missing = append(missing, c.name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, nil, fmt.Errorf("%w: %s (file has %s)", ErrMissingColumn, strings.Join(missing, ", "), strings.Join(header, ", "))
	}
	return pos, ignored, nil
}

// sourceNames returns, per canonical column, the source name that feeds
// it under m: the key mapping to it, else the canonical name itself (when
// that name is not itself mapped elsewhere), or "" for a derived column.
func (s *schema) sourceNames(m Mapping) []string {
	names := make([]string, len(s.cols))
	for i, c := range s.cols {
		if c.derived {
			continue // never read from the source
		}
		names[i] = c.name
		if to, ok := m[c.name]; ok && to != c.name {
			names[i] = "" // the canonical name is used for another column
		}
	}
	for from, to := range m {
		if i := s.index(to); i >= 0 && !s.cols[i].derived {
			names[i] = from
		}
	}
	return names
}

// Columns returns the canonical columns a file of kind k may give, in
// table order (derived columns excluded).
func (k Kind) Columns() []string {
	s, ok := schemas[k]
	if !ok {
		return nil
	}
	var names []string
	for _, c := range s.cols {
		if !c.derived {
			names = append(names, c.name)
		}
	}
	return names
}

// ParseMapping reads a mapping written "Source=column,Other=column" (as
// `load --map` takes it) for files of kind k. Every target must be a
// canonical column of k, given once; a source column is mapped once.
func ParseMapping(k Kind, spec string) (Mapping, error) {
	s, ok := schemas[k]
	if !ok {
		return nil, fmt.Errorf("%w: kind must be %s, got %q", ErrInvalidOptions, kindNames, k)
	}
	m := Mapping{}
	by := map[string]string{}
	for _, pair := range strings.Split(spec, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		from, to, ok := strings.Cut(pair, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || from == "" || to == "" {
			return nil, fmt.Errorf("%w: %q is not SOURCE=column (for example OrderID=order_id)", ErrInvalidOptions, pair)
		}
		i := s.index(to)
		if i >= 0 && s.cols[i].derived {
			return nil, fmt.Errorf("%w: %s is derived from other columns, not read from the file", ErrInvalidOptions, to)
		}
		if i < 0 {
			return nil, fmt.Errorf("%w: %s is not a column of %s (%s)", ErrInvalidOptions, to, k, strings.Join(k.Columns(), ", "))
		}
		if _, dup := m[from]; dup {
			return nil, fmt.Errorf("%w: %s is mapped twice", ErrInvalidOptions, from)
		}
		if prev, dup := by[to]; dup {
			return nil, fmt.Errorf("%w: %s and %s both map to %s", ErrInvalidOptions, prev, from, to)
		}
		m[from], by[to] = to, from
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("%w: empty mapping (want SOURCE=column,...)", ErrInvalidOptions)
	}
	return m, nil
}

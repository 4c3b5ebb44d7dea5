package models

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
)

type fake struct {
	name string
	deps []string
}

func (f fake) Name() string   { return f.name }
func (f fake) Deps() []string { return f.deps }
func (f fake) Run(context.Context, Env, time.Time) (Result, error) {
	return Result{}, nil
}

func TestRegistryOrdered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		models  []fake
		ask     []string
		want    []string
		wantErr error
	}{
		{"no deps keeps registration order", []fake{{"a", nil}, {"b", nil}}, nil, []string{"a", "b"}, nil},
		{"deps first", []fake{{"profile", []string{"rfm", "tiers"}}, {"tiers", []string{"rfm"}}, {"rfm", nil}}, nil, []string{"rfm", "tiers", "profile"}, nil},
		{"subset sorted", []fake{{"profile", []string{"rfm"}}, {"rfm", nil}, {"x", nil}}, []string{"profile", "rfm"}, []string{"rfm", "profile"}, nil},
		{"subset without dep runs alone", []fake{{"profile", []string{"rfm"}}, {"rfm", nil}}, []string{"profile"}, []string{"profile"}, nil},
		{"unknown name", []fake{{"a", nil}}, []string{"b"}, nil, ErrUnknown},
		{"unknown dep", []fake{{"a", []string{"zz"}}}, nil, nil, ErrUnknown},
		{"cycle", []fake{{"a", []string{"b"}}, {"b", []string{"a"}}}, nil, nil, ErrCycle},
		{"self cycle", []fake{{"a", []string{"a"}}}, nil, nil, ErrCycle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRegistry()
			for _, m := range tt.models {
				if err := r.Add(m); err != nil {
					t.Fatal(err)
				}
			}
			got, err := r.Ordered(tt.ask...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			var names []string
			for _, m := range got {
				names = append(names, m.Name())
			}
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("order = %v, want %v", names, tt.want)
			}
		})
	}
}

func TestRegistryAddRefusesDuplicates(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	if err := r.Add(fake{name: "rfm"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(fake{name: "rfm"}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second add: err = %v, want ErrDuplicate", err)
	}
	if err := r.Add(fake{}); err == nil {
		t.Fatal("empty name accepted")
	}
	if _, ok := r.Get("rfm"); !ok {
		t.Fatal("Get(rfm) not found")
	}
	if _, ok := r.Get("nope"); ok {
		t.Fatal("Get(nope) found")
	}
}

func TestWindow(t *testing.T) {
	t.Parallel()
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		asOf     string
		loc      *time.Location
		end      string
		dayStart string // DayStart(1)
	}{
		{"utc", "2024-03-31", time.UTC, "2024-04-01 00:00:00", "2024-03-30 00:00:00"},
		// Shanghai is UTC+8: its day ends at 16:00 UTC the same date.
		{"shanghai", "2024-03-31", sh, "2024-03-31 16:00:00", "2024-03-29 16:00:00"},
		// New York springs forward on 2024-03-10: that day is 23 hours long.
		{"new york dst", "2024-03-10", ny, "2024-03-11 04:00:00", "2024-03-09 05:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := asof.Parse(tt.asOf)
			if err != nil {
				t.Fatal(err)
			}
			w := NewWindow(d, tt.loc)
			if got := FormatUTC(w.End); got != tt.end {
				t.Errorf("End = %s, want %s", got, tt.end)
			}
			if got := FormatUTC(w.DayStart(1)); got != tt.dayStart {
				t.Errorf("DayStart(1) = %s, want %s", got, tt.dayStart)
			}
			if w.Date() != tt.asOf {
				t.Errorf("Date = %s", w.Date())
			}
		})
	}
	if _, err := asof.Parse("2024-13-01"); err == nil {
		t.Error("bad date accepted")
	}
}

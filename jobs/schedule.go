package jobs

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
	"github.com/robfig/cron/v3"
)

// Schedule runs a target (job, pipeline or "all") on a cron expression.
type Schedule struct {
	// Name identifies the schedule in logs and the API.
	Name string
	// Target is a job, a pipeline or "all".
	Target string
	// Cron has five fields (minute hour day-of-month month day-of-week) or
	// six with seconds first.
	Cron string
	// Location is the time zone the cron expression is read in; nil is UTC.
	Location *time.Location
}

// location is the schedule's zone, UTC when unset. Each zone gets a gocron
// scheduler of its own: gocron's daylight-saving handling reads wall-clock
// times in the scheduler's location, so a CRON_TZ= prefix on a UTC
// scheduler would run twice at fall-back and skip a day at spring-forward.
func (s Schedule) location() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

func (s Schedule) definition() gocron.JobDefinition {
	return gocron.CronJob(strings.TrimSpace(s.Cron), true)
}

// jobOptions are the gocron options every scheduled target gets: never
// overlapping itself, and nightly runs not lost to daylight saving.
func (s Schedule) jobOptions() []gocron.JobOption {
	name := s.Name
	if name == "" {
		name = s.Target + " " + s.Cron
	}
	return []gocron.JobOption{
		gocron.WithName(name),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
		gocron.WithDaylightSavingsTimePolicy(gocron.DaylightSavingsTimeRunAfterTransition),
	}
}

// ParseCron checks a cron expression in a time zone, with the parser the
// scheduler uses.
func ParseCron(expr string, loc *time.Location) error {
	_, err := NextRuns(Schedule{Cron: expr, Location: loc}, time.Now(), 1)
	return err
}

// NextRuns returns the next n times s fires after from, computed by a
// gocron scheduler set up as Service sets up its own, on a clock stopped at
// from. Around daylight-saving changes a wall-clock time that does not
// exist (spring forward) runs right after the jump, and one that exists
// twice (fall back) runs once.
func NextRuns(s Schedule, from time.Time, n int) ([]time.Time, error) {
	sched, err := gocron.NewScheduler(gocron.WithLocation(s.location()), gocron.WithClock(clockwork.NewFakeClockAt(from)))
	if err != nil {
		return nil, fmt.Errorf("schedule %s: %w", s.Name, err)
	}
	defer func() { _ = sched.Shutdown() }()
	j, err := sched.NewJob(s.definition(), gocron.NewTask(func() {}), s.jobOptions()...)
	if err != nil {
		return nil, fmt.Errorf("schedule %s: cron %q: %w", s.Name, s.Cron, err)
	}
	sched.Start()
	var out []time.Time
	for range 100 { // the scheduler computes the first run when it starts
		if out, err = j.NextRuns(n); err == nil && len(out) == n && !out[0].IsZero() {
			for i := range out {
				out[i] = out[i].UTC()
			}
			return out, nil
		}
		time.Sleep(time.Millisecond)
	}
	return nil, fmt.Errorf("schedule %s: no next run: %v", s.Name, err)
}

// cronParser reads expressions as gocron's CronJob(expr, true) does: five
// fields, or six with seconds first.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// LastFire returns the last time s fired at or before now, looking back at
// most lookback; ok is false when it did not fire in that window. Around
// daylight-saving changes it follows the cron library's reading, which may
// differ from the scheduler's by the skipped or repeated hour.
func LastFire(s Schedule, now time.Time, lookback time.Duration) (last time.Time, ok bool, err error) {
	sched, err := cronParser.Parse(strings.TrimSpace(s.Cron))
	if err != nil {
		return time.Time{}, false, fmt.Errorf("schedule %s: cron %q: %w", s.Name, s.Cron, err)
	}
	now = now.In(s.location())
	// Widen the window until it holds a fire, then walk it: frequent
	// schedules are walked over a short window, rare ones found quickly.
	for w := time.Minute; ; w *= 2 {
		w = min(w, lookback)
		first := sched.Next(now.Add(-w).Add(-time.Nanosecond))
		if !first.IsZero() && !first.After(now) {
			last = first
			for n := sched.Next(last); !n.IsZero() && !n.After(now); n = sched.Next(n) {
				last = n
			}
			return last, true, nil
		}
		if w >= lookback {
			return time.Time{}, false, nil
		}
	}
}

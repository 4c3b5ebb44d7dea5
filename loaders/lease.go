package loaders

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Lease states in load_leases.
const (
	leaseClaimed    = "claimed"
	leasePublishing = "publishing"
	leaseReleased   = "released"
)

// claim is one attempt's row of load_leases.
type claim struct {
	FileID, AttemptID, Owner string
	ClaimedAt, ExpiresAt     time.Time
	ClaimNS                  uint64
	State                    string
}

// live reports whether the claim still holds (or asks for) the lease at
// now: not released, not expired, and not made by a process on this host
// that is gone (a killed load frees its file at once, not after the lease).
func (c claim) live(now time.Time) bool {
	return c.State != leaseReleased && now.Before(c.ExpiresAt) && !ownerGone(c.Owner)
}

// ownerGone reports whether owner (host:pid, as defaultOwner writes it)
// names a process on this host that no longer runs. An owner of another
// host, or not in that form, is never judged gone: its lease lapses.
func ownerGone(owner string) bool {
	i := strings.LastIndexByte(owner, ':')
	if i <= 0 {
		return false
	}
	pid, err := strconv.Atoi(owner[i+1:])
	if err != nil || pid <= 0 {
		return false
	}
	host, err := os.Hostname()
	if err != nil || host != owner[:i] {
		return false
	}
	err = syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

// before orders claims: the earliest claim wins, ties by attempt id.
func (c claim) before(o claim) bool {
	if c.ClaimNS != o.ClaimNS {
		return c.ClaimNS < o.ClaimNS
	}
	return c.AttemptID < o.AttemptID
}

// leases reads and writes load_leases (on the initiator in cluster mode).
//
// ClickHouse has no transactions, so a lease is taken by writing a claim
// and reading every claim of the file back:
//
//  1. claim: insert (attempt, claim_ns = now, expires_at = now + lease);
//     read the file's claims; go on only when, among the live ones, this
//     claim is the first by (claim_ns, attempt_id). Two attempts that claim
//     at once both see both claims by the time either checks again (each
//     inserted before its first read), so at most one stays the winner.
//  2. renew expires_at while staging.
//  3. before the ATTACH: check again that the claim is live and first and
//     that no other live claim is 'publishing'; mark it 'publishing'; read
//     again and give up if another claim is 'publishing' too. Of two
//     attempts that mark, at least one sees the other's mark (each marks
//     before it reads), so at most one attaches even when their clocks
//     disagree about who claimed first. Then the ledger is read again: a
//     file some other attempt recorded loaded is not attached.
//  4. release at the end (the ledger row is final before the release).
type leases struct {
	conn Conn
	now  func() time.Time
	vs   *versions
}

// put writes a version of the claim's row.
func (l leases) put(ctx context.Context, c claim) error {
	b, err := l.conn.PrepareBatch(ctx, "INSERT INTO load_leases (file_id, attempt_id, owner, claimed_at, claim_ns, expires_at, state, version)")
	if err != nil {
		return fmt.Errorf("lease: %w", err)
	}
	if err := b.Append(c.FileID, c.AttemptID, c.Owner, c.ClaimedAt.UTC(), c.ClaimNS, c.ExpiresAt.UTC(), c.State, l.vs.next(l.now())); err != nil {
		_ = b.Abort()
		return fmt.Errorf("lease: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("lease: %w", err)
	}
	return nil
}

// claims returns every claim of the given files.
func (l leases) claims(ctx context.Context, fileIDs ...string) ([]claim, error) {
	if len(fileIDs) == 0 {
		return nil, nil
	}
	// FINAL with a filter on the key only: the newest row of each attempt.
	rows, err := l.conn.Query(ctx, `SELECT file_id, attempt_id, owner, claimed_at, claim_ns, expires_at, state
		FROM load_leases FINAL WHERE has(?, file_id)`, fileIDs)
	if err != nil {
		return nil, fmt.Errorf("lease: %w", err)
	}
	defer rows.Close()
	var out []claim
	for rows.Next() {
		var c claim
		if err := rows.Scan(&c.FileID, &c.AttemptID, &c.Owner, &c.ClaimedAt, &c.ClaimNS, &c.ExpiresAt, &c.State); err != nil {
			return nil, fmt.Errorf("lease: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lease: %w", err)
	}
	return out, nil
}

// verdict is what the file's claims say about mine.
type verdict struct {
	// holder is the first live claim (mine when I hold the lease).
	holder claim
	// mine is my claim as read back; found tells it was there.
	mine  claim
	found bool
	// publishing is another live claim marked publishing, if any.
	publishing *claim
}

func judge(cs []claim, attemptID string, now time.Time) verdict {
	var v verdict
	first := true
	for _, c := range cs {
		if c.AttemptID == attemptID {
			v.mine, v.found = c, true
		}
		if !c.live(now) {
			continue
		}
		if first || c.before(v.holder) {
			v.holder, first = c, false
		}
		if c.AttemptID != attemptID && c.State == leasePublishing && v.publishing == nil {
			p := c
			v.publishing = &p
		}
	}
	return v
}

// beingLoaded is the error of an attempt that lost the lease to c.
func beingLoaded(c claim) error {
	return fmt.Errorf("%w: being loaded by %s since %s (attempt %s, lease until %s)", ErrBeingLoaded,
		c.Owner, c.ClaimedAt.UTC().Format(time.DateTime+" UTC"), c.AttemptID, c.ExpiresAt.UTC().Format(time.DateTime+" UTC"))
}

// defaultOwner names this process: host:pid.
func defaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

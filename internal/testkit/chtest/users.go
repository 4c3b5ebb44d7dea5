package chtest

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/devtools/localch"
)

// ServerWithUsers starts a server of the test's own (not the binary's
// shared one) with extra users.d files (name -> XML, see
// localch.Options.UsersD), for tests of users and their rights; it is
// stopped at cleanup. It skips like Server when no server is installed.
func ServerWithUsers(t testing.TB, usersD map[string]string) localch.State {
	t.Helper()
	d, err := os.MkdirTemp("", "memberlytics-chtest-users-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	st, err := localch.Start(ctx, localch.Options{Dir: d, DieWithParent: true, UsersD: usersD})
	t.Cleanup(func() {
		_ = localch.Stop(d, 20*time.Second)
		_ = os.RemoveAll(d)
	})
	if err != nil {
		if errors.Is(err, localch.ErrNoBinary) && !Required() {
			t.Skipf("skipping: %v (set CI=true or MEMBERLYTICS_REQUIRE_CLICKHOUSE=1 to make this a failure)", err)
		}
		t.Fatalf("test clickhouse with users: %v", err)
	}
	return st
}

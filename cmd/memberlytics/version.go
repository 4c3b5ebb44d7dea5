package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version (as --version does)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(a.stdout, versionString(debug.ReadBuildInfo()))
			return nil
		},
	}
}

// versionString is the module version and the VCS commit the binary was
// built from, as the Go toolchain recorded them: "memberlytics v0.3.1
// (commit 0123456789ab, modified, 2026-12-04T10:00:00Z, go1.26.0)".
func versionString(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return "memberlytics devel (no build information)"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var parts []string
	if rev == "" {
		parts = append(parts, "no commit recorded")
	} else {
		parts = append(parts, "commit "+rev[:min(12, len(rev))])
		if modified {
			parts = append(parts, "modified")
		}
		if at != "" {
			parts = append(parts, at)
		}
	}
	if bi.GoVersion != "" {
		parts = append(parts, bi.GoVersion)
	}
	return "memberlytics " + v + " (" + strings.Join(parts, ", ") + ")"
}

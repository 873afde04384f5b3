// Package benchenv finds the repository and the database that the
// benchmark programs run against.
package benchenv

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModuleRoot returns the folder of go.mod, where db/localpg.sh is and where
// go build resolves ./api/cmd/server. program names the caller in errors.
func ModuleRoot(ctx context.Context, program string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the customevents module: run " + program + " from the repository")
	}
	return filepath.Dir(gomod), nil
}

// DatabaseURL returns DATABASE_URL, or starts the private cluster with
// db/localpg.sh and returns the URL of its postgres database.
func DatabaseURL(ctx context.Context, root string) (string, error) {
	if url := os.Getenv("DATABASE_URL"); url != "" {
		return url, nil
	}
	log.Print("DATABASE_URL is not set: starting the private cluster with db/localpg.sh")
	cmd := exec.CommandContext(ctx, filepath.Join(root, "db", "localpg.sh"), "postgres")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("db/localpg.sh postgres: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

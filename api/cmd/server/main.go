// Command server runs the Custom Events server: it migrates the database,
// seeds the first account on first start and serves HTTP until stopped.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"customevents/actions"
	"customevents/api"
	"customevents/db"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := run(); err != nil {
		slog.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := api.ConfigFromEnv()
	if err != nil {
		return err
	}
	cfg.Version = version
	actionsCfg, err := actions.ConfigFromEnv()
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogFormat, cfg.LogDebug)
	slog.SetDefault(log)
	if percent, ok := setGCPercent(os.Getenv("GOGC")); ok {
		log.Info("garbage collector target set", "gc_percent", percent)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	bdb, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer bdb.Close()
	if err := db.Migrate(ctx, bdb, log); err != nil {
		return err
	}
	// The server listens before it creates the first account, so that a
	// failed bind does not print a one-time password and key and then exit.
	listener, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer listener.Close()
	store := db.NewStore(bdb)
	if err := bootstrap(ctx, cfg, store, log); err != nil {
		return err
	}
	stopIngest := store.StartIngester(log, db.IngestConfig{Workers: cfg.IngestWorkers, MaxBatch: cfg.IngestMaxBatch})
	defer stopIngest()
	// Runs the actions of recorded events until shutdown, when it lets
	// running actions finish or releases them to the next start.
	actionWorkers := actions.Start(context.Background(), store, log, actionsCfg)
	defer actionWorkers.Stop()
	// Deletes occurrences older than each account's retention now and
	// every 24 hours. Deferred calls run in reverse, so it stops before the
	// database closes.
	stopRetention := store.StartRetention(log, db.RetentionInterval)
	defer stopRetention()
	// Invites and password resets go by email when an SMTP server is set.
	// Without one, invite links are shown to the inviter only, and admins
	// make password reset links for members.
	if mailer := actions.NewSMTPMailer(actionsCfg.SMTP); mailer != nil {
		cfg.Mailer = mailer
	}
	// Live event streams reach every server process on the database
	// through Postgres notifications sent after each commit.
	stopLive, err := store.StartLiveNotify(log, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer stopLive()
	// Folds the report rollups' pending changes into their compacted rows.
	stopCompaction := store.StartReportCompaction(log, db.CompactionInterval)
	defer stopCompaction()
	handler := api.NewServer(cfg, store, log)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	srv.RegisterOnShutdown(handler.CloseStreams)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(listener) }()
	log.Info("server started", "addr", listener.Addr().String(), "url", cfg.PublicURL, "version", version)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("server stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	// Logs the rate-limited GraphQL requests that wait for their
	// account's next log line.
	handler.Close()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	log.Info("server stopped")
	return nil
}

// defaultGCPercent is the garbage collector's target when GOGC is unset, so
// the heap may grow to five times what is live before a collection. With
// it, GraphQL ingested more events per second than with Go's default of
// 100 (docs/benchmarks.md).
const defaultGCPercent = 400

// setGCPercent sets the garbage collector's target to defaultGCPercent
// when gogc, the value of GOGC, is empty, and returns the target it set.
// A GOGC that is set wins, as Go reads it at start.
func setGCPercent(gogc string) (int, bool) {
	if gogc != "" {
		return 0, false
	}
	debug.SetGCPercent(defaultGCPercent)
	return defaultGCPercent, true
}

func newLogger(format string, debug bool) *slog.Logger {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	if format == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

// bootstrap seeds the first account and prints how the operator signs in.
// Generated secrets are printed to standard output once, never logged.
func bootstrap(ctx context.Context, cfg api.Config, store *db.Store, log *slog.Logger) error {
	res, err := store.Bootstrap(ctx, db.BootstrapConfig{
		AdminEmail:    cfg.AdminEmail,
		AdminPassword: cfg.AdminPassword,
		APIKey:        cfg.APIKey,
	})
	if err != nil {
		return fmt.Errorf("bootstrap first account: %w", err)
	}
	if res.Created {
		log.Info("first account created", "account_id", res.AccountID, "admin_email", res.AdminEmail)
		if cfg.SeedDemo {
			if err := store.SeedDemo(ctx, res.AccountID); err != nil {
				return fmt.Errorf("seed demo data: %w", err)
			}
			log.Info("demo data seeded", "account_id", res.AccountID)
		}
	}
	if res.AddedAdmin && !res.Created {
		log.Info("admin added to first account", "account_id", res.AccountID, "admin_email", res.AdminEmail)
	}
	if res.AddedAPIKey && !res.Created {
		log.Info("API key from CE_API_KEY added", "account_id", res.AccountID)
	}

	fmt.Printf("\nCustom Events is starting at %s\n", cfg.PublicURL)
	switch {
	case res.GeneratedPassword != "":
		fmt.Printf("Sign in as %s with password %s (shown once; set CE_ADMIN_PASSWORD to choose it).\n", res.AdminEmail, res.GeneratedPassword)
	case res.AdminEmail != "" && res.AddedAdmin:
		fmt.Printf("Sign in as %s with the password from CE_ADMIN_PASSWORD.\n", res.AdminEmail)
	default:
		fmt.Println("Sign in with the admin account created on first start. Lost its password? See Configuration in the README.")
	}
	if res.GeneratedAPIKey != "" {
		fmt.Printf("GraphQL API key: %s (shown once; send it as Authorization: Bearer <key>).\n", res.GeneratedAPIKey)
	}
	fmt.Println()
	return nil
}

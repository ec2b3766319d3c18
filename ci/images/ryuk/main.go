// Command ryuk is a small, standard-library-only re-implementation of the Testcontainers
// resource reaper ("Ryuk") protocol, used where the testcontainers/ryuk image is not available.
//
// Protocol: clients connect to TCP :8080 (RYUK_PORT) and send lines such as
// "label=org.testcontainers%3Dtrue&label=org.testcontainers.sessionId%3D<id>"; each line is
// answered with "ACK\n". When no client is connected for RYUK_RECONNECTION_TIMEOUT (10s), or no
// client ever connected within RYUK_CONNECTION_TIMEOUT (60s), every container (forced, with its
// volumes), network, volume and image matching any received filter is removed and ryuk exits.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	if n, err := strconv.Atoi(v); err == nil { // plain number = seconds
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %w", name, v, err)
	}
	return d, nil
}

func envInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %w", name, v, err)
	}
	return n, nil
}

func loadConfig() (Config, error) {
	var c Config
	var err error
	if c.Port, err = envInt("RYUK_PORT", 8080); err != nil {
		return c, err
	}
	if c.ConnectionTimeout, err = envDuration("RYUK_CONNECTION_TIMEOUT", 60*time.Second); err != nil {
		return c, err
	}
	if c.ReconnectionTimeout, err = envDuration("RYUK_RECONNECTION_TIMEOUT", 10*time.Second); err != nil {
		return c, err
	}
	if c.RequestTimeout, err = envDuration("RYUK_REQUEST_TIMEOUT", 10*time.Second); err != nil {
		return c, err
	}
	if c.RemoveRetries, err = envInt("RYUK_REMOVE_RETRIES", 10); err != nil {
		return c, err
	}
	if c.RetryOffset, err = envDuration("RYUK_RETRY_OFFSET", time.Second); err != nil {
		return c, err
	}
	if c.RetryOffset < 0 {
		c.RetryOffset = -c.RetryOffset
	}
	if c.ShutdownTimeout, err = envDuration("RYUK_SHUTDOWN_TIMEOUT", 10*time.Minute); err != nil {
		return c, err
	}
	return c, nil
}

func main() {
	level := slog.LevelInfo
	if v, _ := strconv.ParseBool(os.Getenv("RYUK_VERBOSE")); v {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: level}))

	cfg, err := loadConfig()
	if err != nil {
		log.Error("Config", "error", err)
		os.Exit(2)
	}
	docker, err := NewDocker(os.Getenv("DOCKER_HOST"), cfg.RequestTimeout)
	if err != nil {
		log.Error("Docker client", "error", err)
		os.Exit(2)
	}
	if err := docker.Ping(context.Background()); err != nil {
		log.Error("Docker ping", "error", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		log.Error("Listen", "error", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	r := NewReaper(cfg, docker, log)
	// Testcontainers waits for a log line matching ".*Started.*".
	log.Info("Started", "address", ln.Addr().String(),
		"connection_timeout", cfg.ConnectionTimeout.String(),
		"reconnection_timeout", cfg.ReconnectionTimeout.String())
	if err := r.Run(ctx, ln); err != nil {
		log.Error("Shutdown", "error", err)
		os.Exit(1)
	}
	log.Info("Done")
}

package main

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

// Config mirrors the environment variables of testcontainers/ryuk.
type Config struct {
	Port                int
	ConnectionTimeout   time.Duration // no client at all within this time → prune (nothing) and exit
	ReconnectionTimeout time.Duration // after the last client disconnected → prune and exit
	RequestTimeout      time.Duration // per Docker API request
	RemoveRetries       int
	RetryOffset         time.Duration // pause between removal rounds
	ShutdownTimeout     time.Duration // upper bound for the whole prune
}

// Reaper collects filters from TCP clients and removes what they match once every client is gone.
type Reaper struct {
	cfg    Config
	docker *Docker
	log    *slog.Logger
	self   string

	mu      sync.Mutex
	filters map[string]Filter
	conns   int
	events  chan int // +1 connect, -1 disconnect
}

func NewReaper(cfg Config, d *Docker, log *slog.Logger) *Reaper {
	return &Reaper{cfg: cfg, docker: d, log: log, self: selfID(), filters: map[string]Filter{}, events: make(chan int, 16)}
}

func (r *Reaper) addFilter(f Filter) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := f.Key()
	if _, ok := r.filters[k]; ok {
		return false
	}
	r.filters[k] = f
	return true
}

// Filters returns a snapshot of the registered filters.
func (r *Reaper) Filters() []Filter {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Filter, 0, len(r.filters))
	for _, f := range r.filters {
		out = append(out, f)
	}
	return out
}

// handle serves one client: each line is a filter, answered with "ACK\n".
func (r *Reaper) handle(c net.Conn) {
	defer c.Close()
	r.events <- +1
	defer func() { r.events <- -1 }()
	r.log.Info("Client connected", "address", c.RemoteAddr().String())
	sc := bufio.NewScanner(c)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		f, err := ParseFilter(line)
		if err != nil {
			r.log.Error("Bad filter", "error", err, "address", c.RemoteAddr().String())
			// Still answer, so that the client does not hang; the filter is ignored.
			_, _ = c.Write([]byte("ACK\n"))
			continue
		}
		if r.addFilter(f) {
			r.log.Info("Adding filter", "filter", line)
		}
		if _, err := c.Write([]byte("ACK\n")); err != nil {
			break
		}
	}
	r.log.Info("Client disconnected", "address", c.RemoteAddr().String())
}

// Run listens on ln until the reaping condition is met, then prunes.
func (r *Reaper) Run(ctx context.Context, ln net.Listener) error {
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				r.log.Error("Accept", "error", err)
				time.Sleep(100 * time.Millisecond)
				continue
			}
			go r.handle(c)
		}
	}()
	defer ln.Close()

	timer := time.NewTimer(r.cfg.ConnectionTimeout)
	defer timer.Stop()
	everConnected := false
	for {
		select {
		case <-ctx.Done():
			r.log.Info("Signal received")
			return r.Prune(context.Background())
		case ev := <-r.events:
			r.conns += ev
			if ev > 0 {
				everConnected = true
				if !timer.Stop() {
					select {
					case <-timer.C:
					default:
					}
				}
			} else if r.conns == 0 {
				r.log.Info("All clients disconnected, waiting for reconnection", "timeout", r.cfg.ReconnectionTimeout.String())
				timer.Reset(r.cfg.ReconnectionTimeout)
			}
		case <-timer.C:
			if r.conns > 0 {
				continue
			}
			if !everConnected {
				r.log.Warn("Connection timeout", "timeout", r.cfg.ConnectionTimeout.String())
			} else {
				r.log.Info("Reconnection timeout, removing resources")
			}
			return r.Prune(context.Background())
		}
	}
}

// Prune removes containers, then networks, volumes and images matching any registered filter.
// Failed removals (e.g. a network still in use while its containers go away) are retried.
func (r *Reaper) Prune(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.ShutdownTimeout)
	defer cancel()
	filters := r.Filters()
	if len(filters) == 0 {
		r.log.Info("No filters registered, nothing to remove")
		return nil
	}
	type kind struct {
		name   string
		list   func(context.Context, Filter) ([]string, error)
		remove func(context.Context, string) error
	}
	kinds := []kind{
		{"container", r.docker.Containers, r.docker.RemoveContainer},
		{"network", r.docker.Networks, r.docker.RemoveNetwork},
		{"volume", r.docker.Volumes, r.docker.RemoveVolume},
		{"image", r.docker.Images, r.docker.RemoveImage},
	}
	counts := map[string]int{}
	var lastErr error
	for attempt := 0; attempt <= r.cfg.RemoveRetries; attempt++ {
		failed := 0
		for _, k := range kinds {
			seen := map[string]bool{}
			for _, f := range filters {
				ids, err := k.list(ctx, f)
				if err != nil {
					r.log.Error("List failed", "kind", k.name, "filter", f.Key(), "error", err)
					lastErr = err
					failed++
					continue
				}
				for _, id := range ids {
					if seen[id] || (k.name == "container" && r.self != "" && strings.HasPrefix(id, r.self)) {
						continue
					}
					seen[id] = true
					if err := k.remove(ctx, id); err != nil && !isNotFound(err) {
						r.log.Warn("Remove failed", "kind", k.name, "id", id, "attempt", attempt, "error", err)
						lastErr = err
						failed++
						continue
					}
					counts[k.name]++
					r.log.Info("Removed", "kind", k.name, "id", id)
				}
			}
		}
		if failed == 0 {
			lastErr = nil
			break
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(r.cfg.RetryOffset):
		}
	}
	r.log.Info("Removed", "containers", counts["container"], "networks", counts["network"], "volumes", counts["volume"], "images", counts["image"])
	return lastErr
}

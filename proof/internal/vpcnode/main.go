// Command vpcnode runs one in-VPC part of the pipeline as its own process,
// so the proofs can place it in a network namespace and inspect it by PID:
//
//	vpcnode -role poller    the license-push poller (no listening socket);
//	                        AWS_ENDPOINT_URL names the endpoint
//	vpcnode -role appserver the demo application server, PUT restricted to
//	                        -allow-sources, one JSON line per request on stdout
//
// It prints "ready" on stdout once it serves and stops on SIGTERM/SIGINT.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
	"github.com/licenseflow/licenseflow/internal/httpapi"
	"github.com/licenseflow/licenseflow/pipeline"
	"github.com/licenseflow/licenseflow/services/appserver"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "vpcnode:", err)
		os.Exit(1)
	}
}

func run() error {
	role := flag.String("role", "", "poller or appserver")
	data := flag.String("data", "", "data directory")
	addr := flag.String("addr", "", "app server listen address")
	keyFile := flag.String("public-key", "", "license public key (PEM file)")
	allowSources := flag.String("allow-sources", "", "app server: comma-separated CIDRs allowed to PUT")
	allowedCIDRs := flag.String("allowed-cidrs", "", "poller: comma-separated CIDRs it may deliver to")
	flag.Parse()

	pemKey, err := os.ReadFile(*keyFile)
	if err != nil {
		return err
	}
	pub, err := license.ParsePublicKey(pemKey)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	switch *role {
	case "poller":
		cidrs, err := prefixes(*allowedCIDRs)
		if err != nil {
			return err
		}
		// The SDK's environment names the endpoint (AWS_ENDPOINT_URL).
		clients, err := pipeline.NewClients(ctx, pipeline.AWSConfig{Region: "us-east-1", StaticCredentials: true})
		if err != nil {
			return err
		}
		stage, err := pipeline.NewLicensePush(ctx, pipeline.LicensePushConfig{
			StageConfig: pipeline.StageConfig{Store: "sqlite:" + filepath.Join(*data, "licenseflow.db"),
				Queue: pipeline.Queue{Client: clients.SQS}, Logger: log},
			Bus: pipeline.Bus{Client: clients.Events}, PublicKey: pub, AllowedCIDRs: cidrs})
		if err != nil {
			return err
		}
		fmt.Println("ready")
		return errors.Join(stage.Run(ctx), stage.Close())
	case "appserver":
		sources, err := prefixes(*allowSources)
		if err != nil {
			return err
		}
		app, err := appserver.New(appserver.Config{PublicKey: pub, Dir: *data, AllowedSources: sources, Logger: log})
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: logRequests(os.Stdout, app), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			<-ctx.Done()
			_ = srv.Close()
		}()
		fmt.Println("ready", ln.Addr())
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	default:
		return fmt.Errorf("unknown role %q", *role)
	}
}

// Request is one line of the app server's request log.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Remote string `json:"remote"`
	Status int    `json:"status"`
}

// logRequests writes one JSON Request line per request after it is served.
func logRequests(out io.Writer, h http.Handler) http.Handler {
	var mu sync.Mutex
	enc := json.NewEncoder(out)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := httpapi.NewStatusRecorder(w)
		h.ServeHTTP(sw, r)
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(Request{Method: r.Method, Path: r.URL.Path, Remote: r.RemoteAddr, Status: sw.Status})
	})
}

func prefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

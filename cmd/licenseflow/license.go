package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/events/license"
)

func newLicenseCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "license",
		Short: "License files, as an application server's operator sees them",
	}
	var keyPath, data string
	verify := &cobra.Command{
		Use:   "verify FILE",
		Short: "Print a license file's contents, check its signature and whether it is valid now (exit 0 only then)",
		Long: `verify prints the license's company, plan, status, seats, features, serial, issue and
expiry times, whether its signature verifies with the public key and whether it grants use now.
It exits 0 only when the signature verifies and the license is current (a trialing, active or
past_due status, not expired).

The public key is --public-key PATH, else LICENSEFLOW_LICENSE_PUBLIC_KEY, else the
license-public-key.pem that run keeps under --data/keys.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, keySource, err := verifyKey(keyPath, data)
			if err != nil {
				return err
			}
			file, err := readLicenseFile(args[0])
			if err != nil {
				return err
			}
			return verifyLicense(cmd.OutOrStdout(), args[0], file, pub, keySource, time.Now())
		},
	}
	verify.Flags().StringVar(&keyPath, "public-key", "", "the license public key (PEM or base64)")
	verify.Flags().StringVar(&data, "data", defaultDataDir, "data directory whose keys/license-public-key.pem to use when no key is given")
	cmd.AddCommand(verify)
	return cmd
}

// verifyKey finds the public key and says where it came from; it never
// creates one.
func verifyKey(path, data string) (ed25519.PublicKey, string, error) {
	const envName = "LICENSEFLOW_LICENSE_PUBLIC_KEY"
	var raw []byte
	source := path
	switch {
	case path != "":
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, "", fmt.Errorf("public key: %w", err)
		}
		raw = b
	case os.Getenv(envName) != "":
		raw, source = []byte(os.Getenv(envName)), envName
	default:
		source = filepath.Join(data, "keys", "license-public-key.pem")
		b, err := os.ReadFile(source)
		if errors.Is(err, os.ErrNotExist) {
			return nil, "", fmt.Errorf("no public key: pass --public-key PATH (the license-public-key.pem beside the signing key) or set %s", envName)
		}
		if err != nil {
			return nil, "", fmt.Errorf("public key: %w", err)
		}
		raw = b
	}
	pub, err := license.ParsePublicKey(raw)
	if err != nil {
		return nil, "", fmt.Errorf("public key %s: %w", source, err)
	}
	return pub, source, nil
}

func readLicenseFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("license file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("license file %s: %w", path, err)
	}
	return b, nil
}

// verifyLicense prints what the file says and what verifying it found; it
// returns nil only when the license is authentic and grants use at now.
func verifyLicense(out io.Writer, name string, file []byte, pub ed25519.PublicKey, keySource string, now time.Time) error {
	lic, err := license.VerifyAt(pub, file, now)
	authentic := !errors.Is(err, license.ErrSignature)
	signature := fmt.Sprintf("verified with %s (key %s)", keySource, license.KeyID(pub))
	switch {
	case errors.Is(err, license.ErrMalformed):
		return fmt.Errorf("license file %s: %w", name, err)
	case !authentic:
		// Show what the file claims, marked as unverified.
		if lic, err = license.Parse(file); err != nil {
			return fmt.Errorf("license file %s: %w", name, err)
		}
		signature = "INVALID: " + signatureReason(lic, pub)
	}
	verdict, invalid := "yes", error(nil)
	switch {
	case !authentic:
		verdict, invalid = "no: the signature does not verify; nothing in this file can be trusted", errors.New("its signature does not verify")
	case !now.Before(lic.ExpiresAt):
		ago := now.Sub(lic.ExpiresAt)
		verdict, invalid = fmt.Sprintf("no: expired %s ago", roundDuration(ago)), fmt.Errorf("it expired at %s", lic.ExpiresAt.Format(time.RFC3339))
	case !lic.Licensed(now):
		verdict, invalid = fmt.Sprintf("no: status %s grants no use", lic.Status), fmt.Errorf("its status is %s", lic.Status)
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	features := strings.Join(lic.Features, ", ")
	if features == "" {
		features = "-"
	}
	expires := lic.ExpiresAt.UTC().Format(time.RFC3339)
	if left := lic.ExpiresAt.Sub(now); left > 0 {
		expires += fmt.Sprintf(" (in %s)", roundDuration(left))
	}
	for _, row := range [][2]string{
		{"license file", name}, {"company", lic.CompanyID}, {"plan", lic.Plan}, {"status", lic.Status},
		{"seats", fmt.Sprint(lic.Seats)}, {"features", features}, {"serial", fmt.Sprint(lic.Serial)},
		{"issued", lic.IssuedAt.UTC().Format(time.RFC3339)}, {"expires", expires}, {"signed by key", lic.KeyID},
		{"signature", signature}, {"valid now", verdict},
	} {
		fmt.Fprintf(w, "%s:\t%s\n", row[0], row[1])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if invalid != nil {
		return fmt.Errorf("license file %s is not valid now: %w", name, invalid)
	}
	return nil
}

// signatureReason says why the signature of a well-formed file failed.
func signatureReason(lic license.License, pub ed25519.PublicKey) string {
	if lic.KeyID != license.KeyID(pub) {
		return fmt.Sprintf("signed by key %s, not by %s", lic.KeyID, license.KeyID(pub))
	}
	return "the file was changed after it was signed"
}

// roundDuration prints d in days and hours, or smaller units under a day.
func roundDuration(d time.Duration) string {
	if d >= 24*time.Hour {
		days := d / (24 * time.Hour)
		return fmt.Sprintf("%dd%dh", days, (d-days*24*time.Hour)/time.Hour)
	}
	return d.Round(time.Second).String()
}

// Package webapp is the evidence for the user application: its tests drive
// a real headless Chromium (internal/browsertest) through the pages the
// whole pipeline serves on loopback, as a person would, and save the
// screenshots docs/ shows when LICENSEFLOW_SCREENSHOTS names a directory.
package webapp

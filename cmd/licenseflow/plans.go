package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/licenseflow/licenseflow/plans"
)

func newPlansCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plans",
		Short: "The owner's plan catalogue: check a plans file",
	}
	var asJSON bool
	check := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Validate a plans file (YAML or JSON) and print its plans; without FILE, the plans LICENSEFLOW_PLANS names (or the built-in ones)",
		Long: `check reads a plans file, reports every problem it has (each with its lookup key and the
reason) and exits non-zero on any; a valid file's plans are printed as a table. With --json it
prints the plans as compact JSON without whitespace instead, the form the template's Plans
parameter takes.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var (
				c      plans.Catalogue
				source string
				err    error
			)
			if len(args) == 1 {
				c, err = plans.Load(args[0])
				source = args[0]
			} else {
				c, source, err = newEnviron(os.Getenv, "").plans()
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				fmt.Fprintf(out, "%s\n", c.JSON())
				return nil
			}
			if source == "" {
				source = "built-in catalogue"
			}
			fmt.Fprintf(out, "%s: valid: %s of %s; %s allowed before a company's first license\n",
				source, counted(len(c.Plans), "price"), counted(len(planNames(c)), "plan"), counted(c.TrialUsers, "user"))
			return printPlanTable(out, c)
		},
	}
	check.Flags().BoolVar(&asJSON, "json", false, "print the plans as compact JSON (for the template's Plans parameter)")
	cmd.AddCommand(check)
	return cmd
}

// printPlanTable prints one line per lookup key.
func printPlanTable(out io.Writer, c plans.Catalogue) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "LOOKUP KEY\tPLAN\tSEATS\tFEATURES")
	for _, key := range c.Keys() {
		p := c.Plans[key]
		seats := strconv.Itoa(p.Seats)
		if p.PerSeat {
			seats = fmt.Sprintf("per seat, at least %d", p.Seats)
		}
		features := strings.Join(p.Features, ", ")
		if features == "" {
			features = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", key, p.Name, seats, features)
	}
	return w.Flush()
}

// planNames are the catalogue's plan names, sorted, once each.
func planNames(c plans.Catalogue) []string {
	var names []string
	for _, p := range c.Plans {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// counted is "1 price", "3 prices".
func counted(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

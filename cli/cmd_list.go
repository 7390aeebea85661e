package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/sipbench/sipbench/cli/internal/cmdline"
	"github.com/sipbench/sipbench/presets"
)

// presetJSON is one preset in `sipbench list --json`.
type presetJSON struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Deviations  []string          `json:"deviations"`
	Network     string            `json:"network"`
	Params      int               `json:"params"`
	Metric      string            `json:"metric"`
	Reference   string            `json:"reference"`
	Methods     []string          `json:"methods"`
	Defaults    []string          `json:"default_methods"`
	Scales      []string          `json:"scales"`
	Settings    map[string]string `json:"settings"`
}

func cmdList(args []string) error {
	fs := cmdline.NewFlags("list", "sipbench list [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := cmdline.ParseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cmdline.Usagef("", "list takes no arguments, got %q", pos[0])
	}
	if *asJSON {
		var out []presetJSON
		for _, p := range presets.All() {
			s, err := p.Resolve("", nil, nil)
			if err != nil {
				return err
			}
			out = append(out, presetJSON{Name: p.Name, Description: p.Description, Deviations: p.Deviations, Network: p.Network,
				Params: p.ParamCount(""), Metric: p.Metric, Reference: p.Reference, Methods: p.MethodNames(),
				Defaults: p.DefaultMethods(), Scales: p.ScaleNames(), Settings: s.Values()})
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PRESET\tNETWORK\tPARAMS\tMETHODS (* = default)\tDESCRIPTION")
	for _, p := range presets.All() {
		desc := p.Description
		if i := strings.Index(desc, ". "); i > 0 {
			desc = desc[:i+1]
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", p.Name, p.Network, p.ParamCount(""), strings.Join(p.MethodLabels(), ","), desc)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Where each preset departs from the original code: deliberate deviations at the paper
	// scale, then what each smaller scale changes.
	fmt.Println("\nDeviations from the original (tum-pbs/SIP):")
	for _, p := range presets.All() {
		var lines []string
		lines = append(lines, p.Deviations...)
		for _, sc := range p.Scales {
			if sc.Note != "" {
				lines = append(lines, fmt.Sprintf("at %s scale: %s", sc.Name, sc.Note))
			}
		}
		if len(lines) == 0 {
			lines = []string{"none"}
		}
		for i, l := range lines {
			name := ""
			if i == 0 {
				name = p.Name
			}
			fmt.Printf("  %-13s- %s\n", name, l)
		}
	}
	return nil
}

package check

// The claims of the half-inverse gradients paper (Schnell, Holl and Thuerey, ICLR 2022,
// arXiv 2203.10131), which the SIP paper cites as its reference [50]: measured on the
// oscillators preset, judged by the same rules as the SIP paper's claims. Their Where,
// "HIG fig2b" (the paper's Figure 2b), fits the check table's 9-cell column.

// higPaper is how the HIG claims cite their paper.
const higPaper = "Schnell, Holl, Thuerey: Half-Inverse Gradients for Physical Deep Learning, ICLR 2022 (arXiv 2203.10131)"

// higWords are the HIG paper's words on its results (its abstract); its Figure 2b shows
// the oscillators' loss curves.
const higWords = "Compared to state-of-the-art neural network optimizers, our method converges more quickly and yields " +
	"better solutions, which we demonstrate on three complex learning problems involving nonlinear oscillators, " +
	"the Schroedinger equation and the Poisson problem"

// higReading is the reading of the HIG claims: the figure shows the order of the curves,
// and no number for the gap is stated in the words quoted, so the qualitative factor
// applies.
const higReading = "ahead: Figure 2b's curves (loss over wall-clock time) end with HIG lowest; the words give no " +
	"factor, so a factor of 2 counts as clear, as for the SIP paper's directions"

func higClaims() []*Claim {
	pair := func(num, den string) []Term { return []Term{{Method: num, Step: End}, {Method: den, Step: End}} }
	cite := higPaper + ": abstract, the nonlinear oscillators experiment and Figure 2b; the settings in docs/oscillators.md"
	return []*Claim{
		{
			ID: "hig-fig2b-adam", Where: "HIG fig2b", Preset: "oscillators", Step: End,
			Words: higWords, Cite: cite,
			Paper: "HIG ahead", Factor: qualitative, Reading: higReading,
			Quantity: "loss adam ÷ hig", Terms: pair("adam", "hig"), Ratio: ratio,
		},
		{
			ID: "hig-fig2b-gn", Where: "HIG fig2b", Preset: "oscillators", Step: End,
			Words: higWords, Cite: cite,
			Paper: "HIG ahead", Factor: qualitative, Reading: higReading,
			Quantity: "loss gn ÷ hig", Terms: pair("gn", "hig"), Ratio: ratio,
		},
	}
}

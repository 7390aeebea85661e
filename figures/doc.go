// Package figures draws the paper's figures from run folders, as PNG, SVG or PDF, with
// gonum.org/v1/plot: learning curves (several seeds as a mean with a min–max band, several
// runs labelled by the settings in which they differ), predicted fields beside the ground
// truth, exp's scatter, rotation's predictions in x space and Figure 1's paths, a sweep's
// final accuracy against the swept setting, and Table 1's time against iterations. It
// reads folders through packages folder and summary and knows nothing of screens. Package
// figures/inline shows a PNG in a terminal that speaks the kitty graphics protocol or sixel.
package figures

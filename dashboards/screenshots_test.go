package dashboards_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestScreenshots writes a PNG of every page at both widths into the
// directory CCH_SCREENSHOTS names (make screenshots); without it the test
// is skipped.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("CCH_SCREENSHOTS")
	if dir == "" {
		t.Skip("set CCH_SCREENSHOTS=DIR (make screenshots) to write the page screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := newStack(t, smallData())
	b := newBrowser(t, s)
	b.login(t, s.tokens["manager"])
	heights := map[int64]int64{390: 844, 1440: 900}
	for _, w := range widths {
		for _, slug := range slugs {
			b.open(t, "/dashboards/"+slug, w)
			png, err := b.shot(w, heights[w])
			if err != nil {
				t.Fatalf("%s at %d: %v", slug, w, err)
			}
			name := filepath.Join(dir, fmt.Sprintf("%s-%d.png", strings.ReplaceAll(slug, "/", "-"), w))
			if err := os.WriteFile(name, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d bytes", name, len(png))
		}
	}
}

// shot captures the viewport once the page is live and returns it as a
// small 256-colour PNG.
func (b *browser) shot(w, h int64) ([]byte, error) {
	err := chromedp.Do(b.ctx, chromedp.EmulateViewport(w, h),
		chromedp.Poll[chromedp.Void](`document.getElementById('live') === null || document.getElementById('live').textContent === 'live'`,
			chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		return nil, err
	}
	raw, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	small := image.NewPaletted(img.Bounds(), adaptive(img))
	draw.Draw(small, img.Bounds(), img, img.Bounds().Min, draw.Src)
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&out, small); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// adaptive is a palette of the image's 256 most frequent colours (by
// 4-bit channel bucket), so flat UI colours stay exact.
func adaptive(img image.Image) color.Palette {
	type bucket struct {
		n       int
		r, g, b int
	}
	buckets := map[uint16]*bucket{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			k := uint16(r>>12)<<8 | uint16(g>>12)<<4 | uint16(b>>12)
			bk := buckets[k]
			if bk == nil {
				bk = &bucket{}
				buckets[k] = bk
			}
			bk.n++
			bk.r, bk.g, bk.b = bk.r+int(r>>8), bk.g+int(g>>8), bk.b+int(b>>8)
		}
	}
	all := make([]*bucket, 0, len(buckets))
	for _, bk := range buckets {
		all = append(all, bk)
	}
	slices.SortFunc(all, func(a, b *bucket) int { return b.n - a.n })
	var p color.Palette
	for _, bk := range all[:min(256, len(all))] {
		p = append(p, color.RGBA{uint8(bk.r / bk.n), uint8(bk.g / bk.n), uint8(bk.b / bk.n), 255})
	}
	return p
}

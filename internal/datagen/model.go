package datagen

import (
	"container/heap"
	"time"
)

// org is one tenant and everything the generator remembers about it.
type org struct {
	id        int64
	name      string
	created   time.Time
	perMonth  int
	branches  []*branch
	staff     []*staffMember // organisation-wide roles (finance, auditor)
	ops       []*labourOp
	parts     []*part
	suppliers []int64
	vehicles  []*vehicle
	chauffeur *chauffeurBase
	emailSeq  int
}

type branch struct {
	id        int64
	org       *org
	code      string
	weight    float64 // share of the organisation's bookings
	bays      []int64
	techs     []*staffMember
	advisors  []*staffMember
	manager   *staffMember
	everyone  []*staffMember // rostered staff of the branch
	due       customerHeap
	invoiceNo int64
	roNo      int
	poNo      int
	stock     []*stockItem // index = part index
	pending   []*pendingInvoice
	carry     float64 // fractional bookings carried between days
	techFree  []uint64
	bayFree   []uint64
}

type staffMember struct {
	id         int64
	role       string
	costRate   money // per attended hour
	efficiency float64
	quality    float64 // comeback propensity multiplier
	saturday   bool
	flatRate   bool
}

type labourOp struct {
	id        int64
	code      string
	name      string
	category  string
	book      hundredths // book hours
	rate      money      // sell rate per hour
	actual    float64    // actual ÷ book hours for an average technician
	weight    float64    // share of booked work
	parts     []partUse
	sublet    float64 // probability of sublet work
	recommend []*labourOp
}

type partUse struct {
	part int         // index into org.parts (first of a group)
	alt  int         // number of interchangeable parts starting at part
	qty  thousandths // quantity per job
}

type part struct {
	id       int64
	number   string
	cost     money // supplier price at the start
	price    money // sell price
	supplier int64
	lead     int // days
	use      float64
}

type customer struct {
	id       int64
	branch   *branch
	company  bool
	interval float64 // personal median days between visits
	value    float64 // spend multiplier
	due      time.Time
	churnAt  time.Time
	vehicles []*vehicle
	comeback *comeback
	index    int // heap index
}

type comeback struct {
	ro       int64
	vehicle  *vehicle // the comeback is on the vehicle of the first repair
	category string
	op       *labourOp
}

type vehicle struct {
	id      int64
	miles   float64
	annual  float64 // miles per year
	owners  []ownership
	lastRO  int64
	lastAt  time.Time
	created time.Time
}

type ownership struct {
	customer int64
	from     time.Time
}

type stockItem struct {
	onHand    thousandths
	reorderAt thousandths
	reorderQ  thousandths
	avgCost   money
	openPO    bool
	arrivals  []arrival
	lastCount time.Time
}

type arrival struct {
	at     time.Time
	poLine int64
	qty    thousandths
	cost   money
}

// customerHeap orders customers by the date they are next due.
type customerHeap []*customer

func (h customerHeap) Len() int { return len(h) }
func (h customerHeap) Less(i, j int) bool {
	if h[i].due.Equal(h[j].due) {
		return h[i].id < h[j].id
	}
	return h[i].due.Before(h[j].due)
}
func (h customerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *customerHeap) Push(x any) {
	c := x.(*customer)
	c.index = len(*h)
	*h = append(*h, c)
}
func (h *customerHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

func (b *branch) pushDue(c *customer) { heap.Push(&b.due, c) }
func (b *branch) popDue() *customer   { return heap.Pop(&b.due).(*customer) }

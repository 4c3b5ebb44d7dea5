package datagen

// Rows as the generator produces them, before a format encodes them.
// Times are unix seconds (UTC); money is in cents.

type memberRow struct {
	num         int64 // 1-based member number: member_id is M%09d
	joined      int64
	birthday    int32 // unix day, valid if hasBirthday
	hasBirthday bool
	gender      string
	region      string
	channel     string
	tier        string
	updated     int64
}

type orderRow struct {
	member   int64 // member number
	seq      int32 // 1-based per member, in time order: order_id is O%09d-%d
	ordered  int64
	amount   int64 // cents, net paid
	discount int64 // cents
	items    int32
	channel  string
	store    int // 0 = no store (online)
	status   string
	updated  int64
}

type eventRow struct {
	member int64 // member number
	seq    int32 // 1-based per member, in time order: event_id is E%09d-%d
	t      int64
	typ    eventType
	value  float64
	prop   propKind
	arg    int64
}

// Order statuses.
const (
	statusPaid      = "paid"
	statusRefunded  = "refunded"
	statusCancelled = "cancelled"
)

type eventType uint8

// Event types, in the order of the canonical list.
const (
	evLogin eventType = iota
	evPageView
	evProductView
	evAddToCart
	evCampaignOpen
	evCampaignClick
	evReview
	evShare
	evReferral
	evCheckin
	evPointsEarned
	evPointsRedeemed
	evNPSSurvey
	evPointsExpired
	numEventTypes
)

var eventTypeNames = [numEventTypes]string{
	"login", "page_view", "product_view", "add_to_cart", "campaign_open",
	"campaign_click", "review", "share", "referral", "checkin",
	"points_earned", "points_redeemed", "nps_survey", "points_expired",
}

func (t eventType) String() string { return eventTypeNames[t] }

// propKind says how the properties JSON object of an event is written
// from its arg.
type propKind uint8

const (
	propNone     propKind = iota // {}
	propDevice                   // {"device":"ios"}, arg indexes devices
	propPage                     // {"page":"home"}, arg indexes pages
	propSKU                      // {"sku":"SKU01234"}
	propCampaign                 // {"campaign_id":"C20240102"}, arg is the unix day
	propOrder                    // {"order_id":"O000000001-3"}, arg is the order seq
	propStore                    // {"store_id":"S012"}
	propReferral                 // {"code":"R000000001"}, the member's own code
	propSource                   // {"source":"app"}, arg indexes sources
	propAssigned                 // {"campaign_id":"C1"}, arg indexes campaignIDs
)

var (
	devices = []string{"ios", "android", "web", "mini_program"}
	pages   = []string{"home", "category", "search", "promo", "account", "store_locator"}
	sources = []string{"app", "mini_program"}
)

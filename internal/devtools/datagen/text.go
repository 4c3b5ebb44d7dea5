package datagen

import (
	"strconv"
)

// Table indexes, in the order files are listed in a Summary.
const (
	tableMembers = iota
	tableOrders
	tableEvents
	tableItems
	tableCampaigns
	numTables
)

var tableNames = [numTables]string{"members", "orders", "events", "items", "campaigns"}

// Column names, per table, in file order.
var (
	memberColumns = []string{"member_id", "joined_at", "birthday", "gender", "region", "channel", "source_tier", "updated_at"}
	orderColumns  = []string{"order_id", "member_id", "ordered_at", "amount", "discount", "items", "channel", "store_id", "status", "updated_at"}
	eventColumns  = []string{"event_id", "member_id", "event_time", "event_type", "value", "properties"}
	// Items carry no member_id: the loader takes it from orders.
	itemColumns     = []string{"order_id", "line_no", "sku", "category", "quantity", "amount", "updated_at"}
	campaignColumns = []string{"campaign_id", "member_id", "group", "assigned_at", "variant", "channel", "segment", "cost"}
	tableColumns    = [numTables][]string{memberColumns, orderColumns, eventColumns, itemColumns, campaignColumns}
)

// Columns returns the canonical column names of table (members, orders,
// events, items or campaigns) in file order, or nil for an unknown table.
func Columns(table string) []string {
	for i, name := range tableNames {
		if name == table {
			return append([]string(nil), tableColumns[i]...)
		}
	}
	return nil
}

// civil converts a unix day to a proleptic Gregorian date (Howard
// Hinnant's days_from_civil inverse).
func civil(days int64) (y int64, m, d int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// appendPad appends n in decimal, zero-padded to at least width digits.
func appendPad(b []byte, n int64, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for n >= 10 || width > 1 {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		width--
	}
	i--
	tmp[i] = byte('0' + n)
	return append(b, tmp[i:]...)
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

// appendDate appends the unix day as YYYY-MM-DD.
func appendDate(b []byte, day int64) []byte {
	y, m, d := civil(day)
	b = appendPad(b, y, 4)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	return append2(b, d)
}

// appendTimestamp appends unix seconds as RFC 3339 UTC, 2024-03-01T12:34:56Z.
func appendTimestamp(b []byte, sec int64) []byte {
	day := floorDiv(sec, secondsPerDay)
	s := int(sec - day*secondsPerDay)
	b = appendDate(b, day)
	b = append(b, 'T')
	b = append2(b, s/3600)
	b = append(b, ':')
	b = append2(b, s/60%60)
	b = append(b, ':')
	b = append2(b, s%60)
	return append(b, 'Z')
}

// appendCents appends a non-negative amount of cents as 123.45.
func appendCents(b []byte, cents int64) []byte {
	b = strconv.AppendInt(b, cents/100, 10)
	b = append(b, '.')
	return append2(b, int(cents%100))
}

func appendMemberID(b []byte, num int64) []byte { return appendPad(append(b, 'M'), num, 9) }

func appendOrderID(b []byte, num int64, seq int32) []byte {
	b = appendPad(append(b, 'O'), num, 9)
	return strconv.AppendInt(append(b, '-'), int64(seq), 10)
}

func appendEventID(b []byte, num int64, seq int32) []byte {
	b = appendPad(append(b, 'E'), num, 9)
	return strconv.AppendInt(append(b, '-'), int64(seq), 10)
}

// appendSKU appends SKU and 5 digits: the leaf times 1000 plus the product.
func appendSKU(b []byte, leaf, product int) []byte {
	return appendPad(append(b, "SKU"...), int64(leaf*1000+product), 5)
}

// appendStoreID appends S001.. for a store, nothing for store 0 (online).
func appendStoreID(b []byte, store int) []byte {
	if store == 0 {
		return b
	}
	return appendPad(append(b, 'S'), int64(store), 3)
}

// appendProps appends the properties JSON object of e.
func appendProps(b []byte, e *eventRow) []byte {
	switch e.prop {
	case propDevice:
		b = append(b, `{"device":"`...)
		b = append(b, devices[e.arg]...)
	case propPage:
		b = append(b, `{"page":"`...)
		b = append(b, pages[e.arg]...)
	case propSKU:
		b = append(b, `{"sku":"SKU`...)
		b = appendPad(b, e.arg, 5)
	case propCampaign:
		b = append(b, `{"campaign_id":"C`...)
		y, m, d := civil(e.arg)
		b = appendPad(b, y, 4)
		b = append2(b, m)
		b = append2(b, d)
	case propAssigned:
		b = append(b, `{"campaign_id":"`...)
		b = append(b, campaignIDs[e.arg]...)
	case propOrder:
		b = append(b, `{"order_id":"`...)
		b = appendOrderID(b, e.member, int32(e.arg))
	case propStore:
		b = append(b, `{"store_id":"`...)
		b = appendStoreID(b, int(e.arg))
	case propReferral:
		b = append(b, `{"code":"R`...)
		b = appendPad(b, e.member, 9)
	case propSource:
		b = append(b, `{"source":"`...)
		b = append(b, sources[e.arg]...)
	default:
		return append(b, "{}"...)
	}
	return append(b, `"}`...)
}

func appendFloat(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'f', -1, 64) }

// appendCSVHeader appends the header line of table t.
func appendCSVHeader(b []byte, t int) []byte {
	for i, c := range tableColumns[t] {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, c...)
	}
	return append(b, '\n')
}

// appendCSVQuoted appends s as an RFC 4180 quoted field.
func appendCSVQuoted(b, s []byte) []byte {
	b = append(b, '"')
	for _, c := range s {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// appendJSONString appends s as a JSON string. s is ASCII JSON or plain
// identifiers here, so only quotes, backslashes and control bytes need
// escaping.
func appendJSONString(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// encodeCSV writes the chunk's rows as CSV lines into c.text. Fields never
// contain a comma, quote or newline except properties, which is always
// quoted. Lines end in \n.
func encodeCSV(c *chunk) {
	var scratch [256]byte
	b := c.text[tableMembers][:0]
	for i := range c.members {
		m := &c.members[i]
		b = appendMemberID(b, m.num)
		b = append(b, ',')
		b = appendTimestamp(b, m.joined)
		b = append(b, ',')
		if m.hasBirthday {
			b = appendDate(b, int64(m.birthday))
		}
		b = append(b, ',')
		b = append(b, m.gender...)
		b = append(b, ',')
		b = append(b, m.region...)
		b = append(b, ',')
		b = append(b, m.channel...)
		b = append(b, ',')
		b = append(b, m.tier...)
		b = append(b, ',')
		b = appendTimestamp(b, m.updated)
		b = append(b, '\n')
	}
	c.text[tableMembers] = b

	b = c.text[tableOrders][:0]
	for i := range c.orders {
		o := &c.orders[i]
		b = appendOrderID(b, o.member, o.seq)
		b = append(b, ',')
		b = appendMemberID(b, o.member)
		b = append(b, ',')
		b = appendTimestamp(b, o.ordered)
		b = append(b, ',')
		b = appendCents(b, o.amount)
		b = append(b, ',')
		b = appendCents(b, o.discount)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(o.items), 10)
		b = append(b, ',')
		b = append(b, o.channel...)
		b = append(b, ',')
		b = appendStoreID(b, o.store)
		b = append(b, ',')
		b = append(b, o.status...)
		b = append(b, ',')
		b = appendTimestamp(b, o.updated)
		b = append(b, '\n')
	}
	c.text[tableOrders] = b

	b = c.text[tableEvents][:0]
	for i := range c.events {
		e := &c.events[i]
		b = appendEventID(b, e.member, e.seq)
		b = append(b, ',')
		b = appendMemberID(b, e.member)
		b = append(b, ',')
		b = appendTimestamp(b, e.t)
		b = append(b, ',')
		b = append(b, eventTypeNames[e.typ]...)
		b = append(b, ',')
		b = appendFloat(b, e.value)
		b = append(b, ',')
		b = appendCSVQuoted(b, appendProps(scratch[:0], e))
		b = append(b, '\n')
	}
	c.text[tableEvents] = b

	b = c.text[tableItems][:0]
	for i := range c.items {
		it := &c.items[i]
		b = appendOrderID(b, it.member, it.orderSeq)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(it.line), 10)
		b = append(b, ',')
		b = appendSKU(b, it.leaf, it.product)
		b = append(b, ',')
		b = append(b, categoryLeaves[it.leaf]...)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(it.quantity), 10)
		b = append(b, ',')
		b = appendCents(b, it.amount)
		b = append(b, ',')
		b = appendTimestamp(b, it.updated)
		b = append(b, '\n')
	}
	c.text[tableItems] = b

	b = c.text[tableCampaigns][:0]
	for i := range c.campaigns {
		r := &c.campaigns[i]
		b = append(b, campaignIDs[r.campaign]...)
		b = append(b, ',')
		b = appendMemberID(b, r.member)
		b = append(b, ',')
		b = append(b, r.group()...)
		b = append(b, ',')
		b = appendTimestamp(b, r.assigned)
		b = append(b, ',')
		b = append(b, r.variant...)
		b = append(b, ',')
		b = append(b, campaignChannels[r.campaign]...)
		b = append(b, ',')
		b = append(b, campaignSegments[r.campaign]...)
		b = append(b, ',')
		b = appendCents(b, r.cost)
		b = append(b, '\n')
	}
	c.text[tableCampaigns] = b
}

// encodeNDJSON writes the chunk's rows as one JSON object per line into
// c.text, keys in column order.
func encodeNDJSON(c *chunk) {
	var scratch [256]byte
	b := c.text[tableMembers][:0]
	for i := range c.members {
		m := &c.members[i]
		b = appendMemberID(append(b, `{"member_id":"`...), m.num)
		b = appendTimestamp(append(b, `","joined_at":"`...), m.joined)
		if m.hasBirthday {
			b = appendDate(append(b, `","birthday":"`...), int64(m.birthday))
			b = append(b, `","gender":"`...)
		} else {
			b = append(b, `","birthday":null,"gender":"`...)
		}
		b = append(b, m.gender...)
		b = append(append(b, `","region":"`...), m.region...)
		b = append(append(b, `","channel":"`...), m.channel...)
		b = append(append(b, `","source_tier":"`...), m.tier...)
		b = appendTimestamp(append(b, `","updated_at":"`...), m.updated)
		b = append(b, "\"}\n"...)
	}
	c.text[tableMembers] = b

	b = c.text[tableOrders][:0]
	for i := range c.orders {
		o := &c.orders[i]
		b = appendOrderID(append(b, `{"order_id":"`...), o.member, o.seq)
		b = appendMemberID(append(b, `","member_id":"`...), o.member)
		b = appendTimestamp(append(b, `","ordered_at":"`...), o.ordered)
		b = appendCents(append(b, `","amount":`...), o.amount)
		b = appendCents(append(b, `,"discount":`...), o.discount)
		b = strconv.AppendInt(append(b, `,"items":`...), int64(o.items), 10)
		b = append(append(b, `,"channel":"`...), o.channel...)
		b = appendStoreID(append(b, `","store_id":"`...), o.store)
		b = append(append(b, `","status":"`...), o.status...)
		b = appendTimestamp(append(b, `","updated_at":"`...), o.updated)
		b = append(b, "\"}\n"...)
	}
	c.text[tableOrders] = b

	b = c.text[tableEvents][:0]
	for i := range c.events {
		e := &c.events[i]
		b = appendEventID(append(b, `{"event_id":"`...), e.member, e.seq)
		b = appendMemberID(append(b, `","member_id":"`...), e.member)
		b = appendTimestamp(append(b, `","event_time":"`...), e.t)
		b = append(append(b, `","event_type":"`...), eventTypeNames[e.typ]...)
		b = appendFloat(append(b, `","value":`...), e.value)
		b = appendJSONString(append(b, `,"properties":`...), appendProps(scratch[:0], e))
		b = append(b, "}\n"...)
	}
	c.text[tableEvents] = b

	b = c.text[tableItems][:0]
	for i := range c.items {
		it := &c.items[i]
		b = appendOrderID(append(b, `{"order_id":"`...), it.member, it.orderSeq)
		b = strconv.AppendInt(append(b, `","line_no":`...), int64(it.line), 10)
		b = appendSKU(append(b, `,"sku":"`...), it.leaf, it.product)
		b = append(append(b, `","category":"`...), categoryLeaves[it.leaf]...)
		b = strconv.AppendInt(append(b, `","quantity":`...), int64(it.quantity), 10)
		b = appendCents(append(b, `,"amount":`...), it.amount)
		b = appendTimestamp(append(b, `,"updated_at":"`...), it.updated)
		b = append(b, "\"}\n"...)
	}
	c.text[tableItems] = b

	b = c.text[tableCampaigns][:0]
	for i := range c.campaigns {
		r := &c.campaigns[i]
		b = append(append(b, `{"campaign_id":"`...), campaignIDs[r.campaign]...)
		b = appendMemberID(append(b, `","member_id":"`...), r.member)
		b = append(append(b, `","group":"`...), r.group()...)
		b = appendTimestamp(append(b, `","assigned_at":"`...), r.assigned)
		b = append(append(b, `","variant":"`...), r.variant...)
		b = append(append(b, `","channel":"`...), campaignChannels[r.campaign]...)
		b = append(append(b, `","segment":"`...), campaignSegments[r.campaign]...)
		b = appendCents(append(b, `","cost":`...), r.cost)
		b = append(b, "}\n"...)
	}
	c.text[tableCampaigns] = b
}

package datagen

import (
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
)

// ParquetMember is the Parquet schema of members.parquet. Timestamps are
// INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=true); birthday is an optional
// INT32 DATE (days since 1970-01-01).
type ParquetMember struct {
	MemberID   string `parquet:"member_id"`
	JoinedAt   int64  `parquet:"joined_at,timestamp(millisecond:utc)"`
	Birthday   *int32 `parquet:"birthday,date,optional"`
	Gender     string `parquet:"gender,dict"`
	Region     string `parquet:"region,dict"`
	Channel    string `parquet:"channel,dict"`
	SourceTier string `parquet:"source_tier,dict"`
	UpdatedAt  int64  `parquet:"updated_at,timestamp(millisecond:utc)"`
}

// ParquetOrder is the Parquet schema of orders.parquet. amount and
// discount are INT64 DECIMAL(18,2), that is, cents; items is INT32.
type ParquetOrder struct {
	OrderID   string `parquet:"order_id"`
	MemberID  string `parquet:"member_id"`
	OrderedAt int64  `parquet:"ordered_at,timestamp(millisecond:utc)"`
	Amount    int64  `parquet:"amount,decimal(2:18)"`
	Discount  int64  `parquet:"discount,decimal(2:18)"`
	Items     int32  `parquet:"items"`
	Channel   string `parquet:"channel,dict"`
	StoreID   string `parquet:"store_id,dict"`
	Status    string `parquet:"status,dict"`
	UpdatedAt int64  `parquet:"updated_at,timestamp(millisecond:utc)"`
}

// ParquetEvent is the Parquet schema of events.parquet. value is DOUBLE;
// properties is a STRING holding a JSON object.
type ParquetEvent struct {
	EventID    string  `parquet:"event_id"`
	MemberID   string  `parquet:"member_id"`
	EventTime  int64   `parquet:"event_time,timestamp(millisecond:utc)"`
	EventType  string  `parquet:"event_type,dict"`
	Value      float64 `parquet:"value"`
	Properties string  `parquet:"properties"`
}

// ParquetItem is the Parquet schema of items.parquet: amount is INT64
// DECIMAL(18,2), line_no and quantity INT32.
type ParquetItem struct {
	OrderID   string `parquet:"order_id"`
	LineNo    int32  `parquet:"line_no"`
	SKU       string `parquet:"sku"`
	Category  string `parquet:"category,dict"`
	Quantity  int32  `parquet:"quantity"`
	Amount    int64  `parquet:"amount,decimal(2:18)"`
	UpdatedAt int64  `parquet:"updated_at,timestamp(millisecond:utc)"`
}

// ParquetCampaign is the Parquet schema of campaigns.parquet: cost is
// INT64 DECIMAL(18,2).
type ParquetCampaign struct {
	CampaignID string `parquet:"campaign_id,dict"`
	MemberID   string `parquet:"member_id"`
	Group      string `parquet:"group,dict"`
	AssignedAt int64  `parquet:"assigned_at,timestamp(millisecond:utc)"`
	Variant    string `parquet:"variant,dict"`
	Channel    string `parquet:"channel,dict"`
	Segment    string `parquet:"segment,dict"`
	Cost       int64  `parquet:"cost,decimal(2:18)"`
}

// parquetRowGroupRows bounds the rows a Parquet writer buffers before it
// flushes a row group, so memory does not grow with the number of members.
const parquetRowGroupRows = 128 * 1024

// parquetRows holds a chunk converted to Parquet rows.
type parquetRows struct {
	members   []ParquetMember
	birthdays []int32
	orders    []ParquetOrder
	events    []ParquetEvent
	items     []ParquetItem
	campaigns []ParquetCampaign
}

// encodeParquet converts the chunk's rows to Parquet row structs.
func encodeParquet(c *chunk) {
	p := &c.pq
	var scratch [256]byte
	p.members = p.members[:0]
	p.birthdays = p.birthdays[:0]
	for i := range c.members {
		if c.members[i].hasBirthday {
			p.birthdays = append(p.birthdays, c.members[i].birthday)
		}
	}
	nb := 0
	for i := range c.members {
		m := &c.members[i]
		r := ParquetMember{
			MemberID:   string(appendMemberID(scratch[:0], m.num)),
			JoinedAt:   m.joined * 1000,
			Gender:     m.gender,
			Region:     m.region,
			Channel:    m.channel,
			SourceTier: m.tier,
			UpdatedAt:  m.updated * 1000,
		}
		if m.hasBirthday {
			r.Birthday = &p.birthdays[nb]
			nb++
		}
		p.members = append(p.members, r)
	}

	// Each string is converted in its own statement: within one composite
	// literal the conversions could run after a later append has reused
	// scratch.
	p.orders = p.orders[:0]
	for i := range c.orders {
		o := &c.orders[i]
		orderID := string(appendOrderID(scratch[:0], o.member, o.seq))
		memberID := string(appendMemberID(scratch[:0], o.member))
		storeID := string(appendStoreID(scratch[:0], o.store))
		p.orders = append(p.orders, ParquetOrder{
			OrderID:   orderID,
			MemberID:  memberID,
			OrderedAt: o.ordered * 1000,
			Amount:    o.amount,
			Discount:  o.discount,
			Items:     o.items,
			Channel:   o.channel,
			StoreID:   storeID,
			Status:    o.status,
			UpdatedAt: o.updated * 1000,
		})
	}

	p.events = p.events[:0]
	var lastMember int64 = -1
	var memberID string
	for i := range c.events {
		e := &c.events[i]
		if e.member != lastMember {
			lastMember = e.member
			memberID = string(appendMemberID(scratch[:0], e.member))
		}
		eventID := string(appendEventID(scratch[:0], e.member, e.seq))
		props := string(appendProps(scratch[:0], e))
		p.events = append(p.events, ParquetEvent{
			EventID:    eventID,
			MemberID:   memberID,
			EventTime:  e.t * 1000,
			EventType:  eventTypeNames[e.typ],
			Value:      e.value,
			Properties: props,
		})
	}

	p.items = p.items[:0]
	for i := range c.items {
		it := &c.items[i]
		orderID := string(appendOrderID(scratch[:0], it.member, it.orderSeq))
		sku := string(appendSKU(scratch[:0], it.leaf, it.product))
		p.items = append(p.items, ParquetItem{
			OrderID: orderID, LineNo: it.line, SKU: sku, Category: categoryLeaves[it.leaf],
			Quantity: it.quantity, Amount: it.amount, UpdatedAt: it.updated * 1000,
		})
	}

	p.campaigns = p.campaigns[:0]
	for i := range c.campaigns {
		r := &c.campaigns[i]
		memberID := string(appendMemberID(scratch[:0], r.member))
		p.campaigns = append(p.campaigns, ParquetCampaign{
			CampaignID: campaignIDs[r.campaign], MemberID: memberID, Group: r.group(), AssignedAt: r.assigned * 1000,
			Variant: r.variant, Channel: campaignChannels[r.campaign], Segment: campaignSegments[r.campaign], Cost: r.cost,
		})
	}
}

// parquetSink writes the three Parquet files.
type parquetSink struct {
	members *parquet.GenericWriter[ParquetMember]
	orders  *parquet.GenericWriter[ParquetOrder]
	events  *parquet.GenericWriter[ParquetEvent]
	items   *parquet.GenericWriter[ParquetItem]
	camps   *parquet.GenericWriter[ParquetCampaign]
}

func newParquetSink(w [numTables]io.Writer) *parquetSink {
	opts := []parquet.WriterOption{
		parquet.Compression(&snappy.Codec{}),
		parquet.MaxRowsPerRowGroup(parquetRowGroupRows),
		parquet.CreatedBy("memberlytics datagen", "1", ""),
	}
	return &parquetSink{
		members: parquet.NewGenericWriter[ParquetMember](w[tableMembers], opts...),
		orders:  parquet.NewGenericWriter[ParquetOrder](w[tableOrders], opts...),
		events:  parquet.NewGenericWriter[ParquetEvent](w[tableEvents], opts...),
		items:   parquet.NewGenericWriter[ParquetItem](w[tableItems], opts...),
		camps:   parquet.NewGenericWriter[ParquetCampaign](w[tableCampaigns], opts...),
	}
}

// write appends the chunk's rows of table t.
func (s *parquetSink) write(t int, c *chunk) error {
	var err error
	switch t {
	case tableMembers:
		_, err = s.members.Write(c.pq.members)
	case tableOrders:
		_, err = s.orders.Write(c.pq.orders)
	case tableEvents:
		_, err = s.events.Write(c.pq.events)
	case tableItems:
		_, err = s.items.Write(c.pq.items)
	case tableCampaigns:
		_, err = s.camps.Write(c.pq.campaigns)
	}
	if err != nil {
		return fmt.Errorf("write parquet %s rows: %w", tableNames[t], err)
	}
	return nil
}

// close writes the footer of table t's file.
func (s *parquetSink) close(t int) error {
	var err error
	switch t {
	case tableMembers:
		err = s.members.Close()
	case tableOrders:
		err = s.orders.Close()
	case tableEvents:
		err = s.events.Close()
	case tableItems:
		err = s.items.Close()
	case tableCampaigns:
		err = s.camps.Close()
	}
	if err != nil {
		return fmt.Errorf("close parquet %s: %w", tableNames[t], err)
	}
	return nil
}

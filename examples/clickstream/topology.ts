/**
 * Page views per page per minute, on event time: re-key the views by page (through a
 * repartition topic), count them in one-minute tumbling windows with a 10 s grace period, and
 * write each minute's final count when its window closes. Views arriving after their window
 * closed are counted as late and sent to `page-views-late`.
 */
import { jsonSerde, stringSerde } from '../../core/index.js';
import { filter, map, selectKey, StreamsBuilder, tumbling, type StreamRecord, type Topology } from '../../streams/index.js';
import { LATE_VIEWS, PAGE_VIEWS, STORE, VIEWS_PER_MINUTE, type PageView } from './page-view.js';

export function clickstreamTopology(): Topology {
  const builder = new StreamsBuilder();
  builder
    .stream(PAGE_VIEWS, {
      keySerde: stringSerde,
      valueSerde: jsonSerde<PageView>(),
      timestampExtractor: (r) => (r.value as PageView | null)?.ts ?? r.timestamp,
    })
    .pipe(
      filter((r): r is StreamRecord<string | null, PageView> => r.value !== null),
      selectKey((r) => r.value.page),
    )
    .groupByKey({ name: 'views-by-page', valueSerde: jsonSerde<PageView>() })
    .windowedBy(tumbling(60_000, { graceMs: 10_000 }))
    .count({ name: STORE, emit: 'onWindowClose', lateRecordsTopic: LATE_VIEWS })
    .toStream()
    .pipe(map((r) => ({ key: `${new Date(r.key.window.start).toISOString().slice(11, 16)} ${r.key.key}`, value: r.value })))
    .to(VIEWS_PER_MINUTE, { keySerde: stringSerde, valueSerde: jsonSerde<number>() });
  return builder.build();
}

/**
 * KStream-KStream joins with join windows, with scenarios from Kafka's KStreamKStreamJoinTest,
 * KStreamKStreamLeftJoinTest and KStreamKStreamOuterJoinTest (Kafka ≥ 3.1: a left/outer join
 * emits an unmatched record only when its window closed, never a "spurious" early null result).
 */
import { describe, expect, test } from 'vitest';
import { stringSerde } from '../../core/index.js';
import { JoinWindows, selectKey, StreamsBuilder, TopologyTestDriver, type JoinWindowsSpec } from '../../streams/index.js';

const str = { keySerde: stringSerde, valueSerde: stringSerde };
const rec = (key: string | null, value: string | null, timestamp: number) => ({ key, value, timestamp });

function driverFor(kind: 'join' | 'leftJoin' | 'outerJoin', windows: JoinWindowsSpec) {
  const b = new StreamsBuilder();
  const left = b.stream('left', str);
  const right = b.stream('right', str);
  const joiner = (l: string | null, r: string | null) => `${l}+${r}`;
  const joined = kind === 'join' ? left.join(right, joiner, windows, { name: 'j' }) : kind === 'leftJoin' ? left.leftJoin(right, joiner, windows, { name: 'j' }) : left.outerJoin(right, joiner, windows, { name: 'j' });
  joined.to('out', str);
  const driver = new TopologyTestDriver(b.build());
  const l = driver.createInputTopic('left', str);
  const r = driver.createInputTopic('right', str);
  const out = driver.createOutputTopic('out', str);
  const read = () => out.readRecordsToList().map((x) => rec(x.key, x.value, x.timestamp));
  return { driver, l, r, read };
}

describe('KStream-KStream inner join (KStreamKStreamJoinTest)', () => {
  test('testJoin: every pair of records with the key within the window joins, older partners first', async () => {
    const { l, r, read } = driverFor('join', JoinWindows.ofTimeDifferenceWithNoGrace(100));
    await l.pipeInput('0', 'A0', 0);
    await l.pipeInput('1', 'A1', 0);
    expect(read()).toEqual([]);
    await r.pipeInput('0', 'a0', 0);
    await r.pipeInput('1', 'a1', 0);
    expect(read()).toEqual([rec('0', 'A0+a0', 0), rec('1', 'A1+a1', 0)]);
    for (const k of ['0', '1', '2', '3']) await l.pipeInput(k, `B${k}`, 0);
    expect(read()).toEqual([rec('0', 'B0+a0', 0), rec('1', 'B1+a1', 0)]);
    for (const k of ['0', '1', '2', '3']) await r.pipeInput(k, `b${k}`, 0);
    expect(read()).toEqual([rec('0', 'A0+b0', 0), rec('0', 'B0+b0', 0), rec('1', 'A1+b1', 0), rec('1', 'B1+b1', 0), rec('2', 'B2+b2', 0), rec('3', 'B3+b3', 0)]);
    for (const k of ['0', '1', '2', '3']) await l.pipeInput(k, `C${k}`, 0);
    expect(read()).toEqual([rec('0', 'C0+a0', 0), rec('0', 'C0+b0', 0), rec('1', 'C1+a1', 0), rec('1', 'C1+b1', 0), rec('2', 'C2+b2', 0), rec('3', 'C3+b3', 0)]);
  });

  test('testWindowing: the window is inclusive at both ends; results carry the later timestamp', async () => {
    const { l, r, read } = driverFor('join', JoinWindows.ofTimeDifferenceAndGrace(100, 1000));
    for (const k of ['0', '1', '2', '3']) await r.pipeInput(k, `a${k}`, 1000);
    await l.pipeInput('0', 'L899', 899);
    await l.pipeInput('1', 'L900', 900);
    await l.pipeInput('2', 'L1100', 1100);
    await l.pipeInput('3', 'L1101', 1101);
    expect(read()).toEqual([rec('1', 'L900+a1', 1000), rec('2', 'L1100+a2', 1100)]);
  });

  test('before/after: JoinWindows.ofTimeDifferenceWithNoGrace(0).after(100) joins right records up to 100 ms after the left one only', async () => {
    const { l, r, read } = driverFor('join', JoinWindows.ofTimeDifferenceWithNoGrace(0).after(100));
    await r.pipeInput('k', 'r-before', 950);
    await r.pipeInput('k', 'r-same', 1000);
    await r.pipeInput('k', 'r-after', 1100);
    await l.pipeInput('k', 'L', 1000);
    expect(read()).toEqual([rec('k', 'L+r-same', 1000), rec('k', 'L+r-after', 1100)]);
  });

  test('records with a null key or value are skipped; records of a key beyond retention are forgotten', async () => {
    const { l, r, read, driver } = driverFor('join', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    await l.pipeInput('k', 'old', 0);
    await l.pipeInput(null as never, 'no-key', 5);
    await l.pipeInput('k', null as never, 5);
    await r.pipeInput('x', 'advance', 100); // stream time 100: 'old' (0) is 80 ms past its retention of 20
    await r.pipeInput('k', 'late', 5); // would join 'old' if it were still kept
    expect(read()).toEqual([]);
    // The join's store keeps its stream time and buffer in its changelog.
    expect(driver.records('test-app-j-changelog').length).toBeGreaterThan(0);
  });

  test('a stream whose key changed is repartitioned before the join, co-partitioned with the other side', async () => {
    const b = new StreamsBuilder();
    const left = b.stream('left', str).pipe(selectKey((r) => r.value!.split(':')[0]));
    left.join(b.stream('right', str), (l, r) => `${l}|${r}`, JoinWindows.ofTimeDifferenceWithNoGrace(10), { name: 'rk' }).to('out', str);
    const driver = new TopologyTestDriver(b.build());
    await driver.createInputTopic('left', str).pipeInput('ignored', 'u1:click', 5);
    await driver.createInputTopic('right', str).pipeInput('u1', 'view', 6);
    expect(driver.createOutputTopic('out', str).readKeyValuesToList()).toEqual([{ key: 'u1', value: 'u1:click|view' }]);
    expect(driver.records('test-app-rk-left-repartition')).toHaveLength(1);
  });

  test('a stream-stream join without windows is refused with a clear error', () => {
    const b = new StreamsBuilder();
    const s = b.stream('a', str);
    expect(() => s.join(b.stream('b', str), () => 1, undefined as never)).toThrow(/needs join windows/);
    expect(() => JoinWindows.ofTimeDifferenceWithNoGrace(10).before(-20)).toThrow(/must not be negative/);
  });
});

describe('KStream-KStream left join (KStreamKStreamLeftJoinTest, spurious results fixed)', () => {
  test('an unmatched left record is emitted with null only once stream time passes its window (plus grace)', async () => {
    const { l, r, read } = driverFor('leftJoin', JoinWindows.ofTimeDifferenceAndGrace(100, 0));
    await l.pipeInput('0', 'A0', 0);
    expect(read()).toEqual([]); // not yet: a right record up to t=100 may still come
    await r.pipeInput('0', 'a0', 50);
    expect(read()).toEqual([rec('0', 'A0+a0', 50)]);
    await l.pipeInput('1', 'A1', 60);
    await l.pipeInput('2', 'A2', 160);
    expect(read()).toEqual([]); // A1's window ends at 160: still open
    await r.pipeInput('9', 'z', 161);
    expect(read()).toEqual([rec('1', 'A1+null', 60)]);
    await r.pipeInput('9', 'z', 300);
    expect(read()).toEqual([rec('2', 'A2+null', 160)]);
  });

  test('with grace, the unmatched record waits for the grace period too, and a late partner still joins it', async () => {
    const { l, r, read } = driverFor('leftJoin', JoinWindows.ofTimeDifferenceAndGrace(100, 50));
    await l.pipeInput('0', 'A0', 0);
    await r.pipeInput('9', 'z', 140);
    expect(read()).toEqual([]);
    await r.pipeInput('0', 'a0-late', 90); // out of order but within the grace period
    expect(read()).toEqual([rec('0', 'A0+a0-late', 90)]);
    await r.pipeInput('9', 'z', 400);
    expect(read()).toEqual([]); // A0 was joined: no null result
  });

  test('testLowerWindowBound: an out-of-order left record whose window is already closed is emitted with null at once', async () => {
    const { l, r, read } = driverFor('leftJoin', JoinWindows.ofTimeDifferenceWithNoGrace(100));
    await r.pipeInput('9', 'z', 1000);
    await l.pipeInput('0', 'old', 500);
    expect(read()).toEqual([rec('0', 'old+null', 500)]);
  });

  test('right records never produce results on their own in a left join', async () => {
    const { r, read } = driverFor('leftJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    await r.pipeInput('0', 'a', 0);
    await r.pipeInput('1', 'b', 1000);
    expect(read()).toEqual([]);
  });
});

describe('KStream-KStream outer join (KStreamKStreamOuterJoinTest)', () => {
  test('unmatched records of both sides are emitted with null when their windows close, oldest first', async () => {
    const { l, r, read } = driverFor('outerJoin', JoinWindows.ofTimeDifferenceWithNoGrace(100));
    await l.pipeInput('0', 'A0', 0);
    await r.pipeInput('1', 'b1', 10);
    await r.pipeInput('0', 'a0', 20);
    expect(read()).toEqual([rec('0', 'A0+a0', 20)]);
    await l.pipeInput('2', 'A2', 30);
    await r.pipeInput('3', 'b3', 200); // b1's window closed after 110, A2's after 130
    expect(read()).toEqual([rec('1', 'null+b1', 10), rec('2', 'A2+null', 30)]);
    await l.pipeInput('4', 'A4', 201);
    expect(read()).toEqual([]);
    await l.pipeInput('5', 'x', 1000);
    expect(read()).toEqual([rec('3', 'null+b3', 200), rec('4', 'A4+null', 201)]);
  });
});

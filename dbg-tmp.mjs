import { openCluster, startBroker } from './dist/core/index.js';
import { Consumer, Producer, stringSerializers, stringDeserializers } from '@platformatic/kafka';
const cluster = await openCluster({ inMemory: true });
const proxy = new Proxy(cluster, { get(t, k) { const v = t[k]; if (typeof v !== 'function') return v; return (...a) => { const s = Date.now(); const r = v.apply(t, a); if (r?.then) r.then((x) => console.log(String(k), Date.now() - s, 'ms'), (e) => console.log(String(k), 'ERR', e.message)); return r; }; } });
const b = await startBroker(proxy, { port: 0 });
const broker = `127.0.0.1:${b.address.port}`;
const pp = new Producer({ clientId: 'plt', bootstrapBrokers: [broker], serializers: stringSerializers, autocreateTopics: true });
await pp.send({ messages: [{ topic: 'kj', key: 'c', value: 'three' }] });
await pp.close();
const pc = new Consumer({ groupId: 'g2', clientId: 'pltc', bootstrapBrokers: [broker], deserializers: stringDeserializers, timeout: 5000 });
const stream = await pc.consume({ topics: ['kj'], mode: 'earliest' });
for await (const msg of stream) { console.log('plt got', msg.partition, msg.offset, msg.key, msg.value); break; }
await pc.close(true);
await b.close(); await cluster.close();

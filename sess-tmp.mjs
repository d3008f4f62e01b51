import ort from 'onnxruntime-node';
const c = 'unet';
const base = { intraOpNumThreads: 2, interOpNumThreads: 1, executionMode: 'sequential' };
let t = performance.now();
const a = await ort.InferenceSession.create(`models/riffcord-small/${c}/model.onnx`, { ...base, graphOptimizationLevel: 'all', optimizedModelFilePath: '/tmp/unet-opt.onnx' });
console.log('create+save', (performance.now()-t).toFixed(0));
for (const lvl of ['disabled','basic']) {
t = performance.now();
const b = await ort.InferenceSession.create('/tmp/unet-opt.onnx', { ...base, graphOptimizationLevel: lvl });
console.log('load cached', lvl, (performance.now()-t).toFixed(0));
}
const b = await ort.InferenceSession.create('/tmp/unet-opt.onnx', { ...base, graphOptimizationLevel: 'disabled' });
const feeds = {};
for (const m of a.inputMetadata) { const shape = m.shape.map(d => typeof d === 'string' ? 2 : d); const n = shape.reduce((x,y)=>x*y,1);
  const type = m.type; let data;
  if (type === 'float32') { data = new Float32Array(n); for (let i=0;i<n;i++) data[i]=Math.sin(i*0.37); }
  else if (type === 'int64') data = new BigInt64Array(n).fill(500n); else { console.log(type); }
  feeds[m.name] = new ort.Tensor(type, data, shape); console.log(m.name, type, shape); }
for (const [name,s] of [['orig',a],['cached',b],['orig',a],['cached',b]]) { const ts=[]; let out; for (let i=0;i<10;i++){ t=performance.now(); out = await s.run(feeds); ts.push(performance.now()-t);} ts.sort((x,y)=>x-y); const o = Object.values(out)[0].data; let h=0; for (let i=0;i<o.length;i++) h = (h*31 + Math.round(o[i]*1e6))|0; console.log(name, 'median', ts[5].toFixed(1), 'hash', h); }

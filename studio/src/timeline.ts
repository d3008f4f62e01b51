/**
 * The 3D spectrogram timeline: each clip's spectrogram as a height map laid along the time axis
 * where it plays, the camera gliding with the playhead, a translucent plane marking "now".
 */
import {
  BufferAttribute,
  Color,
  DoubleSide,
  GridHelper,
  Mesh,
  MeshBasicMaterial,
  PerspectiveCamera,
  PlaneGeometry,
  Scene,
  WebGLRenderer,
} from 'three';
import { TIMELINE_IMAGE } from '../../src/studio/protocol.ts';

/** World units per second of audio, and the depth (frequency axis) of the strip. */
const UNITS_PER_SECOND = 1;
const DEPTH = 4;
const HEIGHT = 1.2;
/** Height-map resolution: the server sends each spectrogram at this size. */
const COLS = TIMELINE_IMAGE.width;
const ROWS = TIMELINE_IMAGE.height;
const KEEP_BEHIND_SECONDS = 40;
/** The playhead moves a few pixels a second: 30 frames a second look the same as 60 at half the cost. */
const FRAME_MS = 1000 / 30;
/** Without a GPU (WebGL in software) every pixel costs CPU: draw fewer of them, less often. */
const SOFTWARE_FRAME_MS = 1000 / 15;
const SOFTWARE_PIXEL_RATIO = 0.5;
const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|software/i;

export class Timeline {
  private readonly renderer: WebGLRenderer;
  private readonly scene = new Scene();
  private readonly camera: PerspectiveCamera;
  private readonly playhead: Mesh;
  private readonly strips: { mesh: Mesh; end: number }[] = [];
  private frame = 0;
  /** True when WebGL runs on the CPU. */
  readonly software: boolean;

  /** Throws when the browser has no WebGL; the page then goes on without the timeline. */
  constructor(
    private readonly host: HTMLElement,
    private readonly now: () => number,
  ) {
    this.renderer = new WebGLRenderer({ antialias: false, powerPreference: 'low-power' });
    const gl = this.renderer.getContext();
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    this.software = SOFTWARE_RENDERERS.test(String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)));
    this.renderer.setPixelRatio(this.software ? SOFTWARE_PIXEL_RATIO : Math.min(window.devicePixelRatio, 2));
    const frameMs = this.software ? SOFTWARE_FRAME_MS : FRAME_MS;
    host.appendChild(this.renderer.domElement);
    this.scene.background = new Color(0x05060a);
    this.camera = new PerspectiveCamera(50, 1, 0.1, 100);
    const grid = new GridHelper(400, 400, 0x1d2333, 0x131824);
    grid.position.set(200, -0.01, 0);
    grid.scale.set(1, 1, DEPTH / 400);
    this.scene.add(grid);
    const playheadGeometry = new PlaneGeometry(DEPTH * 1.1, HEIGHT * 1.6);
    playheadGeometry.rotateY(Math.PI / 2);
    playheadGeometry.translate(0, HEIGHT * 0.8, 0);
    this.playhead = new Mesh(playheadGeometry, new MeshBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.22, side: DoubleSide, depthWrite: false }));
    this.scene.add(this.playhead);
    this.resize();
    new ResizeObserver(() => this.resize()).observe(host);
    let last = 0;
    const loop = (now: number) => {
      this.frame = requestAnimationFrame(loop);
      // Nothing to draw for a hidden or zero-sized timeline (a phone scrolled past it, a background tab).
      if (now - last < frameMs - 2 || document.hidden || this.host.clientWidth === 0) return;
      last = now;
      this.render();
    };
    this.frame = requestAnimationFrame(loop);
  }

  get canvas(): HTMLCanvasElement {
    return this.renderer.domElement;
  }

  /** Adds a clip's spectrogram (PNG URL) where it plays on the audio timeline. */
  async add(pngUrl: string, start: number, duration: number): Promise<void> {
    const image = new Image();
    image.src = `${pngUrl}?size=timeline`;
    await image.decode();
    const cols = COLS;
    const canvas = document.createElement('canvas');
    canvas.width = cols;
    canvas.height = ROWS;
    const g = canvas.getContext('2d', { willReadFrequently: true });
    if (!g) return;
    g.drawImage(image, 0, 0, cols, ROWS);
    const pixels = g.getImageData(0, 0, cols, ROWS).data;
    const geometry = new PlaneGeometry(duration * UNITS_PER_SECOND, DEPTH, cols - 1, ROWS - 1);
    const pos = geometry.getAttribute('position');
    const colors = new Float32Array(pos.count * 3);
    const c = new Color();
    for (let i = 0; i < pos.count; i++) {
      // Riffusion's images: dark is loud, row 0 the highest frequency (far from the camera).
      const level = 1 - pixels[i * 4] / 255;
      pos.setZ(i, level * HEIGHT);
      c.setHSL(0.62 - 0.55 * level, 0.85, 0.12 + 0.5 * level);
      colors.set([c.r, c.g, c.b], i * 3);
    }
    geometry.setAttribute('color', new BufferAttribute(colors, 3));
    geometry.rotateX(-Math.PI / 2);
    geometry.translate(start * UNITS_PER_SECOND + (duration * UNITS_PER_SECOND) / 2, 0, 0);
    const mesh = new Mesh(geometry, new MeshBasicMaterial({ vertexColors: true, side: DoubleSide }));
    this.scene.add(mesh);
    this.strips.push({ mesh, end: start + duration });
  }

  private resize(): void {
    const w = Math.max(1, this.host.clientWidth);
    const h = Math.max(1, this.host.clientHeight);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
  }

  private render(): void {
    const t = this.now();
    const x = t * UNITS_PER_SECOND;
    this.playhead.position.x = x;
    this.camera.position.set(x - 2.5, 3.2, DEPTH * 1.15);
    this.camera.lookAt(x + 2.5, 0, 0);
    while (this.strips.length && this.strips[0].end < t - KEEP_BEHIND_SECONDS) {
      const old = this.strips.shift()!;
      this.scene.remove(old.mesh);
      old.mesh.geometry.dispose();
      (old.mesh.material as MeshBasicMaterial).dispose();
    }
    this.renderer.render(this.scene, this.camera);
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.renderer.dispose();
  }
}

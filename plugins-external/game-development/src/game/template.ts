/**
 * The playable prototype: one fixed game script with the spec as its only variable part, so
 * every generated game parses and plays. A top-down arcade game on an 800x600 <canvas>: the
 * player moves (keys, or dragging on a touch screen), picks up collectibles for points and
 * avoids hazards that bounce, chase or fall; the goal is a score or a time survived; losing
 * every life ends the run; Enter, Space, R or a tap restarts. requestAnimationFrame drives it.
 *
 * SCRIPT_HEAD + a JSON literal (escape.ts) + SCRIPT_TAIL is the whole script. Keep the template
 * free of backticks, `${` and `</`: it is a template literal here and sits in a <script> there.
 */

export const SPEC_MARKER = '/*SPEC*/';

const TEMPLATE = `(function () {
  'use strict';
  var SPEC = ${SPEC_MARKER};
  var W = 800, H = 600, HUD = 40;
  var canvas = document.getElementById('game');
  var g = canvas.getContext('2d');
  var keys = Object.create(null);
  var pointer = null;
  var state = null;
  var last = null;
  var ARROWS = { left: 'arrowleft', right: 'arrowright', up: 'arrowup', down: 'arrowdown' };
  var WASD = { left: 'a', right: 'd', up: 'w', down: 's' };
  var GAME_KEYS = { arrowleft: 1, arrowright: 1, arrowup: 1, arrowdown: 1, ' ': 1 };

  function pressed(dir) {
    return Boolean((SPEC.controls !== 'wasd' && keys[ARROWS[dir]]) || (SPEC.controls !== 'arrows' && keys[WASD[dir]]));
  }
  function rand(min, max) { return min + Math.random() * (max - min); }
  function clamp(v, lo, hi) { return v < lo ? lo : v > hi ? hi : v; }
  function dist2(a, b) { var dx = a.x - b.x, dy = a.y - b.y; return dx * dx + dy * dy; }
  function touching(a, ar, b, br) { return dist2(a, b) < (ar + br) * (ar + br); }

  /* A random spot on the field, kept away from the player when possible. */
  function place(r, awayFrom) {
    var p = null;
    for (var tries = 0; tries < 20; tries++) {
      p = { x: rand(r, W - r), y: rand(HUD + r, H - r) };
      if (!awayFrom || dist2(p, awayFrom) > 150 * 150) return p;
    }
    return p;
  }

  function newHazard(player) {
    var h = SPEC.hazard;
    if (h.behavior === 'fall') {
      return { x: rand(h.size, W - h.size), y: HUD - h.size - rand(0, H / 2), vx: 0, vy: h.speed * rand(0.7, 1.3) };
    }
    var p = place(h.size, player);
    var angle = rand(0, Math.PI * 2);
    p.vx = Math.cos(angle) * h.speed;
    p.vy = Math.sin(angle) * h.speed;
    return p;
  }

  function reset() {
    var player = { x: W / 2, y: (H + HUD) / 2 };
    state = { player: player, items: [], hazards: [], score: 0, lives: SPEC.lives, time: 0, over: false, won: false, invulnerable: 0 };
    for (var i = 0; i < SPEC.collectible.count; i++) state.items.push(place(SPEC.collectible.size, player));
    for (var j = 0; j < SPEC.hazard.count; j++) state.hazards.push(newHazard(player));
    last = null;
  }

  function moveHazard(h, dt) {
    var r = SPEC.hazard.size, p = state.player;
    if (SPEC.hazard.behavior === 'chase') {
      var tx = p.x - h.x, ty = p.y - h.y, d = Math.sqrt(tx * tx + ty * ty);
      if (d > 1) { h.x += tx / d * SPEC.hazard.speed * dt; h.y += ty / d * SPEC.hazard.speed * dt; }
    } else if (SPEC.hazard.behavior === 'fall') {
      h.y += h.vy * dt;
      if (h.y - r > H) { h.y = HUD - r; h.x = rand(r, W - r); }
    } else {
      h.x += h.vx * dt; h.y += h.vy * dt;
      if (h.x < r || h.x > W - r) { h.vx = -h.vx; h.x = clamp(h.x, r, W - r); }
      if (h.y < HUD + r || h.y > H - r) { h.vy = -h.vy; h.y = clamp(h.y, HUD + r, H - r); }
    }
  }

  function update(dt) {
    var s = state, p = s.player, P = SPEC.player, C = SPEC.collectible, Z = SPEC.hazard;
    var dx = (pressed('right') ? 1 : 0) - (pressed('left') ? 1 : 0);
    var dy = (pressed('down') ? 1 : 0) - (pressed('up') ? 1 : 0);
    if (pointer && dx === 0 && dy === 0) {
      var tx = pointer.x - p.x, ty = pointer.y - p.y, d = Math.sqrt(tx * tx + ty * ty);
      if (d > 4) { dx = tx / d; dy = ty / d; }
    }
    var len = Math.sqrt(dx * dx + dy * dy);
    if (len > 0) { p.x += dx / len * P.speed * dt; p.y += dy / len * P.speed * dt; }
    p.x = clamp(p.x, P.size, W - P.size);
    p.y = clamp(p.y, HUD + P.size, H - P.size);
    s.time += dt;
    if (s.invulnerable > 0) s.invulnerable -= dt;
    for (var i = 0; i < s.items.length; i++) {
      if (touching(p, P.size, s.items[i], C.size)) { s.score += C.points; s.items[i] = place(C.size, p); }
    }
    for (var j = 0; j < s.hazards.length; j++) {
      var h = s.hazards[j];
      moveHazard(h, dt);
      if (s.invulnerable <= 0 && touching(p, P.size, h, Z.size)) {
        s.lives -= 1;
        s.invulnerable = 1.5;
        s.hazards[j] = newHazard(p);
      }
    }
    if (s.lives <= 0) { s.over = true; s.won = false; }
    else if (SPEC.goal.type === 'score' ? s.score >= SPEC.goal.target : s.time >= SPEC.goal.target) { s.over = true; s.won = true; }
  }

  function shape(kind, x, y, r, color) {
    g.fillStyle = color;
    g.beginPath();
    if (kind === 'square') g.rect(x - r, y - r, 2 * r, 2 * r);
    else if (kind === 'triangle') { g.moveTo(x, y - r); g.lineTo(x + r, y + r); g.lineTo(x - r, y + r); g.closePath(); }
    else g.arc(x, y, r, 0, Math.PI * 2);
    g.fill();
  }

  function draw() {
    var s = state, L = SPEC.labels;
    g.fillStyle = SPEC.background;
    g.fillRect(0, 0, W, H);
    for (var i = 0; i < s.items.length; i++) shape(SPEC.collectible.shape, s.items[i].x, s.items[i].y, SPEC.collectible.size, SPEC.collectible.color);
    for (var j = 0; j < s.hazards.length; j++) shape(SPEC.hazard.shape, s.hazards[j].x, s.hazards[j].y, SPEC.hazard.size, SPEC.hazard.color);
    if (!(s.invulnerable > 0 && Math.floor(s.invulnerable * 10) % 2 === 0)) shape(SPEC.player.shape, s.player.x, s.player.y, SPEC.player.size, SPEC.player.color);
    g.fillStyle = SPEC.textColor;
    g.font = '18px sans-serif';
    g.textBaseline = 'middle';
    g.textAlign = 'left';
    g.fillText(L.score + ': ' + s.score + (SPEC.goal.type === 'score' ? ' / ' + SPEC.goal.target : ''), 12, HUD / 2);
    g.textAlign = 'center';
    g.fillText(L.lives + ': ' + Math.max(0, s.lives), W / 2, HUD / 2);
    g.textAlign = 'right';
    g.fillText(L.time + ': ' + Math.floor(s.time) + (SPEC.goal.type === 'survive' ? ' / ' + SPEC.goal.target : '') + 's', W - 12, HUD / 2);
    g.fillRect(0, HUD - 1, W, 1);
    if (s.over) {
      g.fillStyle = 'rgba(0, 0, 0, 0.6)';
      g.fillRect(0, 0, W, H);
      g.fillStyle = '#ffffff';
      g.textAlign = 'center';
      g.font = 'bold 40px sans-serif';
      g.fillText(s.won ? SPEC.winText : SPEC.loseText, W / 2, H / 2 - 20, W - 40);
      g.font = '20px sans-serif';
      g.fillText(L.restart, W / 2, H / 2 + 30, W - 40);
    }
  }

  function frame(ts) {
    var dt = last === null ? 0 : Math.min(0.05, Math.max(0, (ts - last) / 1000));
    last = ts;
    if (!state.over) update(dt);
    draw();
    window.requestAnimationFrame(frame);
  }

  function keyOf(e) { return String(e.key || '').toLowerCase(); }
  function toField(e) {
    var r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * W / (r.width || W), y: (e.clientY - r.top) * H / (r.height || H) };
  }
  window.addEventListener('keydown', function (e) {
    var k = keyOf(e);
    keys[k] = true;
    if (GAME_KEYS[k]) e.preventDefault();
    if (state.over && (k === 'enter' || k === ' ' || k === 'r')) reset();
  });
  window.addEventListener('keyup', function (e) { keys[keyOf(e)] = false; });
  window.addEventListener('blur', function () { keys = Object.create(null); pointer = null; });
  canvas.addEventListener('pointerdown', function (e) {
    if (state.over) { reset(); return; }
    pointer = toField(e);
  });
  canvas.addEventListener('pointermove', function (e) { if (pointer) pointer = toField(e); });
  window.addEventListener('pointerup', function () { pointer = null; });

  window.easelGame = { reset: reset, state: function () { return state; }, spec: SPEC };
  reset();
  window.requestAnimationFrame(frame);
})();
`;

const at = TEMPLATE.indexOf(SPEC_MARKER);
/** The script before the spec literal. */
export const SCRIPT_HEAD = TEMPLATE.slice(0, at);
/** The script after it. */
export const SCRIPT_TAIL = TEMPLATE.slice(at + SPEC_MARKER.length);

/** What the template wires in, each with a piece of the script that does it. */
export const FEATURES = {
  requestAnimationFrame: 'window.requestAnimationFrame(frame)',
  keyboard: "addEventListener('keydown'",
  touch: "addEventListener('pointerdown'",
  collision: 'function touching(',
  score: 's.score += C.points',
  'win-lose': 's.over = true; s.won = true;',
  restart: 'reset();',
} as const;

/**
 * The demo web page served at `/`: plain HTML + JavaScript, no build step. It reads the model's speakers
 * and languages from `/api/speakers` (a selector for each when there are several), and plays `/api/tts/stream` in an `<audio>` element, which starts playing while
 * the rest of the text is still being synthesized.
 */

/** The page's HTML (UTF-8). */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ribbit TTS</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; }
  textarea { width: 100%; box-sizing: border-box; font: inherit; padding: .5rem; }
  .row { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; margin: .8rem 0; }
  label { display: flex; gap: .4rem; align-items: center; }
  button { font: inherit; padding: .4rem 1.2rem; }
  audio { width: 100%; margin-top: .5rem; }
  #status { color: #555; min-height: 1.4em; }
  #status.error { color: #b00020; }
  .hidden { display: none; }
</style>
</head>
<body>
<h1>ribbit</h1>
<p>Type some text and press <em>Speak</em>. Audio starts as soon as the first sentence is ready.</p>
<form id="form">
  <textarea id="text" name="text" rows="6" maxlength="100000">Hello! This is ribbit, a text to speech toolkit written in TypeScript. Each sentence plays as soon as it is ready.</textarea>
  <div class="row">
    <label id="speaker-box" class="hidden">Speaker <select id="speaker" name="speaker_id"></select></label>
    <label id="language-box" class="hidden">Language <select id="language" name="language_id"></select></label>
    <label>Speed <input id="speed" name="speed" type="range" min="0.5" max="2" step="0.05" value="1">
      <output id="speed-value">1.00</output></label>
    <button id="speak" type="submit">Speak</button>
    <a id="download" href="#" download="ribbit.wav" class="hidden">Download WAV</a>
  </div>
</form>
<audio id="player" controls></audio>
<div id="status" role="status"></div>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const status = (msg, isError) => {
    $('status').textContent = msg;
    $('status').className = isError ? 'error' : '';
  };
  let maxTextLength = 0;
  fetch('/api/speakers').then((r) => r.json()).then((info) => {
    maxTextLength = info.maxTextLength || 0;
    if (info.speakers && info.speakers.length) {
      for (const [i, name] of info.speakers.entries()) {
        const o = document.createElement('option');
        o.value = name;
        o.textContent = name + ' (' + i + ')';
        $('speaker').appendChild(o);
      }
      $('speaker-box').classList.remove('hidden');
    }
    if (info.languages && info.languages.length > 1) {
      for (const name of info.languages) {
        const o = document.createElement('option');
        o.value = name;
        o.textContent = name;
        o.selected = name === info.language;
        $('language').appendChild(o);
      }
      $('language-box').classList.remove('hidden');
    }
    status('Model ready: ' + info.sampleRate + ' Hz, ' +
      (info.languages.length > 1 ? info.languages.length + ' languages' : 'language ' + info.language) +
      (info.speakers.length ? ', ' + info.speakers.length + ' speakers' : '') + '.');
  }).catch((e) => status('Cannot reach the server: ' + e, true));
  $('speed').addEventListener('input', () => { $('speed-value').textContent = Number($('speed').value).toFixed(2); });
  const player = $('player');
  let started = 0;
  player.addEventListener('playing', () => {
    if (started) status('Playing (first audio after ' + Math.round(performance.now() - started) + ' ms).');
    started = 0;
  });
  player.addEventListener('error', async () => {
    // <audio> hides the server's message: ask again without streaming to show it.
    const src = player.getAttribute('src');
    if (!src) return;
    try {
      const r = await fetch(src.replace('/api/tts/stream?', '/api/tts?'));
      const body = r.headers.get('content-type')?.includes('json') ? await r.json() : null;
      status(body ? 'Error ' + r.status + ': ' + body.error : 'Playback failed (HTTP ' + r.status + ').', true);
    } catch (e) {
      status('Playback failed: ' + e, true);
    }
  });
  $('form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('text').value.trim();
    if (!text) { status('Type some text first.', true); return; }
    if (maxTextLength && text.length > maxTextLength) {
      status('The text is too long (' + text.length + ' > ' + maxTextLength + ' characters).', true);
      return;
    }
    const params = new URLSearchParams({ text, speed: $('speed').value });
    if ($('speaker').value) params.set('speaker_id', $('speaker').value);
    if ($('language').value) params.set('language_id', $('language').value);
    started = performance.now();
    status('Synthesizing...');
    player.src = '/api/tts/stream?' + params;
    $('download').href = '/api/tts?' + params;
    $('download').classList.remove('hidden');
    player.play().catch(() => {});
  });
})();
</script>
</body>
</html>
`;

/**
 * The report's only script: zoom each picture (the call graph, the Gantt
 * chart) with the buttons of its section, or Ctrl + wheel, by scaling the SVG,
 * text included; the frame scrolls. A picture opens fitted to its frame's
 * width (never enlarged past its drawn size), and "fit" goes back there: the
 * whole picture is in view, nothing cut at the frame's right edge. Plain
 * ES2015, no globals left behind, no network. Inlined into the report.
 */
export const ZOOM_SCRIPT = `(function () {
  function zoomable(frame) {
    var svg = frame.querySelector('svg');
    if (!svg) return;
    // Graphviz sizes its SVG in pt: the drawn size in CSS pixels is what scales.
    var drawn = svg.getBoundingClientRect();
    var baseWidth = drawn.width || Number(svg.getAttribute('width')) || 1;
    var baseHeight = drawn.height || Number(svg.getAttribute('height')) || 1;
    var zoom = 1;
    var fitted = true;
    function fitZoom() {
      return Math.min(1, frame.clientWidth / baseWidth) || 1;
    }
    function set(next) {
      zoom = next;
      svg.setAttribute('width', String(baseWidth * zoom));
      svg.setAttribute('height', String(baseHeight * zoom));
      frame.setAttribute('data-zoom', String(zoom));
    }
    function fit() {
      set(fitZoom());
      // A vertical scroll bar that appeared narrows the frame: fit once more.
      if (frame.scrollWidth > frame.clientWidth) set(fitZoom());
      fitted = true;
    }
    function apply(next, anchorX) {
      var old = zoom;
      if (next <= fitZoom()) return fit();
      set(Math.min(64, next));
      fitted = false;
      frame.scrollLeft = (frame.scrollLeft + anchorX) * (zoom / old) - anchorX;
    }
    fit();
    window.addEventListener('resize', function () {
      if (fitted) fit();
    });
    frame.parentElement.querySelectorAll('button[data-zoom]').forEach(function (button) {
      button.addEventListener('click', function () {
        var what = button.getAttribute('data-zoom');
        if (what === 'reset') return fit();
        apply(what === 'in' ? zoom * 2 : zoom / 2, frame.clientWidth / 2);
      });
    });
    frame.addEventListener('wheel', function (event) {
      if (!event.ctrlKey) return;
      event.preventDefault();
      var rect = frame.getBoundingClientRect();
      apply(event.deltaY < 0 ? zoom * 1.25 : zoom / 1.25, event.clientX - rect.left);
    }, { passive: false });
  }
  document.querySelectorAll('[data-zoom-frame]').forEach(zoomable);
})();`;

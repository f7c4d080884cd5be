/**
 * The report's only script: zoom the Gantt chart (buttons, or Ctrl + wheel)
 * by scaling the SVG, text included; the frame scrolls. The chart opens
 * fitted to the frame's width (never enlarged past its drawn size), and "fit"
 * goes back there: the whole run is in view without scrolling sideways.
 * Plain ES2015, no globals left behind, no network. Inlined into the report.
 */
export const ZOOM_SCRIPT = `(function () {
  var frame = document.getElementById('gantt-frame');
  if (!frame) return;
  var svg = frame.querySelector('svg');
  if (!svg) return;
  var baseWidth = Number(svg.getAttribute('width')) || svg.getBoundingClientRect().width;
  var baseHeight = Number(svg.getAttribute('height')) || svg.getBoundingClientRect().height;
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
    var low = fitZoom();
    if (next <= low) return fit();
    set(Math.min(64, next));
    fitted = false;
    frame.scrollLeft = (frame.scrollLeft + anchorX) * (zoom / old) - anchorX;
  }
  fit();
  window.addEventListener('resize', function () {
    if (fitted) fit();
  });
  document.querySelectorAll('button[data-zoom]').forEach(function (button) {
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
})();`;

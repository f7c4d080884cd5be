/**
 * The report's only script: zoom the Gantt chart (buttons, or Ctrl + wheel)
 * by scaling the SVG, text included; the frame scrolls. Plain ES2015,
 * no globals left behind, no network. Inlined into the report.
 */
export const ZOOM_SCRIPT = `(function () {
  var frame = document.getElementById('gantt-frame');
  if (!frame) return;
  var svg = frame.querySelector('svg');
  if (!svg) return;
  var baseWidth = Number(svg.getAttribute('width')) || svg.getBoundingClientRect().width;
  var baseHeight = Number(svg.getAttribute('height')) || svg.getBoundingClientRect().height;
  var zoom = 1;
  function apply(next, anchorX) {
    var old = zoom;
    zoom = Math.min(64, Math.max(1, next));
    svg.setAttribute('width', String(baseWidth * zoom));
    svg.setAttribute('height', String(baseHeight * zoom));
    frame.setAttribute('data-zoom', String(zoom));
    if (anchorX !== undefined) frame.scrollLeft = (frame.scrollLeft + anchorX) * (zoom / old) - anchorX;
  }
  document.querySelectorAll('button[data-zoom]').forEach(function (button) {
    button.addEventListener('click', function () {
      var what = button.getAttribute('data-zoom');
      apply(what === 'in' ? zoom * 2 : what === 'out' ? zoom / 2 : 1, frame.clientWidth / 2);
    });
  });
  frame.addEventListener('wheel', function (event) {
    if (!event.ctrlKey) return;
    event.preventDefault();
    var rect = frame.getBoundingClientRect();
    apply(event.deltaY < 0 ? zoom * 1.25 : zoom / 1.25, event.clientX - rect.left);
  }, { passive: false });
})();`;

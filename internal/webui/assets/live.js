// live.js makes a page's live parts update themselves; every page works
// without it (a <noscript> refresh stands in). An element with
// data-live="URL" follows the server-sent events of URL:
//   replace  its content becomes the event's HTML
//   prepend  the event's HTML goes first in it (rows of a tail), keeping
//            at most data-live-max children
//   done     the stream is over; it is closed
// The HTML comes from the site's own templates, escaped there.
(function () {
  'use strict';
  function follow(el) {
    var source = new EventSource(el.getAttribute('data-live'));
    source.addEventListener('replace', function (e) {
      el.innerHTML = e.data;
    });
    source.addEventListener('prepend', function (e) {
      // Parsed inside an element like el, so table rows stay rows.
      var box = document.createElement(el.tagName);
      box.innerHTML = e.data;
      var rows = Array.prototype.slice.call(box.children);
      for (var i = rows.length - 1; i >= 0; i--) {
        el.insertBefore(rows[i], el.firstChild);
      }
      var keep = parseInt(el.getAttribute('data-live-max') || '0', 10);
      while (keep > 0 && el.children.length > keep) {
        el.removeChild(el.lastElementChild);
      }
      var empty = document.querySelector('[data-live-empty]');
      if (empty) {
        empty.hidden = true;
      }
    });
    source.addEventListener('done', function () {
      source.close();
    });
  }
  // Streams open once the page has loaded: an open stream would otherwise
  // keep the page loading for as long as it lasts.
  function start() {
    document.querySelectorAll('[data-live]').forEach(follow);
  }
  if (document.readyState === 'complete') {
    start();
  } else {
    window.addEventListener('load', start);
  }
})();

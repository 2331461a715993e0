/* 改革报表 page behaviour: Chinese placeholders, dependent choices
   (类别 → 评价细则, 领域 → 跑道), a live character count. */
$(function () {
  // Select2 was started by Flask-AppBuilder with an English placeholder
  $('select option[value="__None"]').text('请选择');
  $('.my_select2').each(function () {
    var $s = $(this);
    if ($s.data('select2')) { $s.select2('destroy'); }
    $s.select2({placeholder: '请选择', allowClear: !$s.prop('required'), theme: 'bootstrap'});
  });

  // dependent choices: {"child": {"parents": ["category", "date:year"], "map": {"key": [values]}}}
  var el = document.getElementById('kit-dependent');
  if (el) {
    var rules = JSON.parse(el.textContent);
    var keyOf = function (parents) {
      return parents.map(function (p) {
        var parts = p.split(':'), v = $('[name="' + parts[0] + '"]').val() || '';
        return parts[1] === 'year' ? v.slice(0, 4) : v;
      }).join('|');
    };
    $.each(rules, function (child, rule) {
      var $child = $('[name="' + child + '"]');
      var apply = function () {
        var allowed = rule.map[keyOf(rule.parents)];
        $child.find('option').each(function () {
          var v = this.value, ok = !v || v === '__None' || !allowed || allowed.indexOf(v) >= 0;
          $(this).prop('disabled', !ok).toggleClass('kit-hidden-option', !ok);
        });
        if ($child.val() && $child.find('option:selected').prop('disabled')) {
          $child.val('').trigger('change');
        }
        if ($child.data('select2')) { $child.select2({placeholder: '请选择', theme: 'bootstrap'}); }
      };
      rule.parents.forEach(function (p) {
        $('[name="' + p.split(':')[0] + '"]').on('change changeDate input', apply);
      });
      apply();
    });
  }

  // live character count where a field declares a soft length
  $('[data-max-chars]').each(function () {
    var $f = $(this), max = parseInt($f.data('max-chars'), 10);
    var $c = $('<small class="text-muted kit-count"></small>').insertAfter($f);
    var show = function () { $c.text('已输入 ' + $f.val().length + ' 字，建议约 ' + max + ' 字'); };
    $f.on('input', show); show();
  });
});

/* related-record filters: options fetched when the field appears (search form) */
(function ($) {
  var start = function (el) {
    var $el = $(el);
    if ($el.data('kit-ajax-started')) { return; }
    $el.data('kit-ajax-started', true);
    $el.select2({
      theme: 'bootstrap', placeholder: '请选择', width: '100%',
      ajax: {url: $el.data('url'), dataType: 'json', delay: 250,
             data: function (p) { return {q: p.term || ''}; },
             processResults: function (d) { return {results: d.results}; }}
    });
  };
  $(function () {
    $('select.kit-ajax').filter(function () { return $(this).closest('.filters').length; }).each(function () { start(this); });
    var box = document.querySelector('#filter_form .filters');
    if (box && window.MutationObserver) {
      new MutationObserver(function () {
        $(box).find('select.kit-ajax').each(function () { start(this); });
      }).observe(box, {childList: true, subtree: true});
    }
  });
})(jQuery);

/* a file kept from a refused attempt: ticking 不用这个文件 strikes it through */
$(function () {
  $(document).on('change', '.kit-staged-drop input', function () {
    $(this).closest('.kit-staged').toggleClass('kit-staged-dropped', this.checked);
  });
});

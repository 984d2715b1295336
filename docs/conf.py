"""Sphinx configuration for the skcancelout documentation.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html`` from
the repository root (see docs/README.md).
"""

import os
import re
import sys
from pathlib import Path

import torch

# Build from a source checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import skcancelout  # noqa: E402

project = "skcancelout"
author = "skcancelout developers"
copyright = "skcancelout developers"
release = version = skcancelout.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = ["_build", "README.md"]
root_doc = "index"
default_role = "literal"

# autosummary writes one page per public object under api/generated.
autosummary_generate = True
autodoc_default_options = {"inherited-members": False}
autodoc_typehints = "none"

# numpydoc renders the Parameters/Attributes tables; the method tables come
# from the autosummary class template, so numpydoc must not add its own
# (that would create duplicate toctree entries, a warning).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# CHANGES.md and the benchmark results are Markdown files kept outside docs/;
# changelog.md and benchmarks.md pull them in with myst's include. Their
# headings may skip levels, which is fine for an included file.
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]

# The gallery is executed at build time. Examples are kept small (see
# examples/README.rst); set SKCANCELOUT_DOCS_PLOT=0 to build without running
# them, e.g. to iterate on prose.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "plot_gallery": os.environ.get("SKCANCELOUT_DOCS_PLOT", "True"),
    "doc_module": ("skcancelout",),
    "backreferences_dir": "api/generated/backreferences",
    "reference_url": {"skcancelout": None},
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "show_memory": False,
    "min_reported_time": 1,
    "abort_on_example_error": False,
}

html_theme = "pydata_sphinx_theme"
html_title = f"skcancelout {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 7,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_sidebars = {"index": [], "getting_started": [], "changelog": []}
html_show_sourcelink = False


def _escape_shape_names(app, what, name, obj, options, lines):
    """Escape attribute names in shapes such as ``of shape (n_features_in_,)``.

    In reST a word ending in ``_`` is a link, so an unquoted
    ``(n_features_in_,)`` in a parameter type is an "Unknown target name"
    error. scikit-learn quotes these names with backticks; this accepts the
    unquoted form as well. Doctest lines are left alone.
    """
    for i, line in enumerate(lines):
        if line.lstrip().startswith((">>>", "...")):
            continue
        lines[i] = _SHAPE.sub(
            lambda m: _TRAILING_UNDERSCORE.sub(r"\1\\_", m.group(0)), line
        )


_SHAPE = re.compile(r"shape \([^)]*\)")
_TRAILING_UNDERSCORE = re.compile(r"\b([A-Za-z]\w*?)_(?=[,)\s])")


def setup(app):
    # Before numpydoc (priority 500) reformats the docstring.
    app.connect("autodoc-process-docstring", _escape_shape_names, priority=400)


# Examples run on a headless machine.
os.environ.setdefault("MPLBACKEND", "Agg")

# The gallery's networks are tiny: one torch thread is faster than several
# that contend for the CPU (a doc build on 2 shared cores ran 3x faster).
torch.set_num_threads(1)

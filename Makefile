# Two commands: `make lab` opens the course, `make test` runs every test and notebook.
# Both create the virtual environment .venv and install requirements.txt into it first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

# The website's browser asset (MathJax), from book/package-lock.json.
BOOK_NPM := book/node_modules/.package-lock.json

.PHONY: lab test report book serve-book pdf browser clean progress fresh lab-ko progress-ko fresh-ko korean

$(BIN)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

# Your exercise work lives in chapters/*/my_exercises.ipynb (git ignores it; updates never touch it).
lab: $(BIN)/.installed
	$(BIN)/python tools/exercises.py sync
	$(BIN)/jupyter lab chapters/00_tensors_autograd/00_tensors_autograd.ipynb

# The Korean edition (한국어판): the same notebooks with Korean prose (*.ko.ipynb beside the English ones),
# your copies my_exercises.ko.ipynb, and checker verdicts, hints and the progress table in Korean.
lab-ko: $(BIN)/.installed
	$(BIN)/python tools/exercises.py --lang ko sync
	$(BIN)/jupyter lab chapters/00_tensors_autograd/00_tensors_autograd.ko.ipynb

progress-ko: $(BIN)/.installed
	@$(BIN)/python tools/exercises.py --lang ko progress

fresh-ko: $(BIN)/.installed
	@test -n "$(CHAPTER)" || { echo "장 번호를 주세요: make fresh-ko CHAPTER=05"; exit 2; }
	$(BIN)/python tools/exercises.py --lang ko fresh $(CHAPTER)

# Rebuild the Korean edition from the English notebooks and translations/ko/ (see translations/README.md).
korean: $(BIN)/.installed
	$(BIN)/python tools/i18n.py build

# Every chapter and exercise: passed, failing (with the verdict) or not started, from your saved notebooks.
progress: $(BIN)/.installed
	@$(BIN)/python tools/exercises.py progress

# Start one chapter's exercises afresh, e.g. `make fresh CHAPTER=05` (your old copy is kept beside it).
fresh: $(BIN)/.installed
	@test -n "$(CHAPTER)" || { echo "say which chapter: make fresh CHAPTER=05"; exit 2; }
	$(BIN)/python tools/exercises.py fresh $(CHAPTER)

# One thread per worker and one notebook per worker (--dist loadscope) is fastest on 2 cores.
# The website tests (tests/test_book.py) need npm for the book's assets and Chromium (`make
# browser`); without them they are skipped, and .ci/run makes a skip fail.
test: $(BIN)/.installed
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(BOOK_NPM); \
	else echo "npm not found: the website tests will be skipped (install Node.js to run them)"; fi
	$(BIN)/ruff check .
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadscope

$(BOOK_NPM): book/package.json book/package-lock.json
	cd book && npm ci --no-audit --no-fund
	touch $@

# Build the website from the committed notebooks (nothing is executed) into book/_build/html.
book: $(BIN)/.installed $(BOOK_NPM)
	$(BIN)/python tools/book.py

# The whole book as one PDF, printed by headless Chromium from the built site (`make browser`
# installs Chromium): book/_build/pdf/deep-learning-runnable.pdf.
pdf: $(BIN)/.installed $(BOOK_NPM)
	$(BIN)/python tools/book.py --pdf

# Read the built website at http://127.0.0.1:8000 (Ctrl-C stops the server).
serve-book: book
	$(BIN)/python -m http.server --directory book/_build/html --bind 127.0.0.1 8000

# Chromium and ChromeDriver for the website's browser test (Debian/Ubuntu; uses sudo unless root).
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
		echo "Chromium and ChromeDriver are installed"; \
	elif command -v apt-get >/dev/null 2>&1; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver; \
	else \
		echo "install Chromium and ChromeDriver with your system's package manager"; exit 1; \
	fi

# Re-execute the chapter notebooks in place and rebuild the README chapter table.
report: $(BIN)/.installed
	$(BIN)/python tools/report.py

clean:
	rm -rf $(VENV) runs book/_build book/node_modules

() => {
  // The chat at /ui, after each change of the page:
  // - the newest question moves to the top of the chat, so its answer starts in view and grows
  //   below it (until the reader scrolls the chat themself);
  // - a sources fold is one control: its title is the button, the arrow inside is decoration.
  let pending = null; // the newest question's row, until it reaches the top of the chat

  const scroller = () => document.querySelector("#pa-chatbot .bubble-wrap");

  const anchorNewestQuestion = () => {
    const chat = scroller();
    if (!chat) return;
    const questions = chat.querySelectorAll("[data-testid=user]");
    const newest = questions[questions.length - 1];
    const row = newest && (newest.closest(".message-row") || newest);
    if (!row) return;
    if (row.dataset.paSeen === undefined) {
      row.dataset.paSeen = "";
      pending = row;
    }
    if (pending !== row) return;
    const offset = row.getBoundingClientRect().top - chat.getBoundingClientRect().top;
    if (Math.abs(offset) > 1) chat.scrollTop += offset;
    const reached = row.getBoundingClientRect().top - chat.getBoundingClientRect().top;
    if (Math.abs(reached) <= 1) pending = null;
  };

  const quietFoldArrows = () => {
    for (const arrow of document.querySelectorAll("#pa-chatbot .thought-group .title button")) {
      if (arrow.disabled) continue;
      arrow.disabled = true;
      arrow.tabIndex = -1;
      arrow.setAttribute("aria-hidden", "true");
    }
  };

  const stopFollowing = () => {
    pending = null;
  };
  for (const event of ["wheel", "touchmove", "keydown"]) {
    document.addEventListener(event, (e) => {
      const chat = scroller();
      if (chat && chat.contains(e.target)) stopFollowing();
    }, { passive: true });
  }

  new MutationObserver(() => {
    quietFoldArrows();
    anchorNewestQuestion();
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
}

// A province or city picked on a phone shows the next list at once (the form also has a
// "下一步" button, so the page works without this script).
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => {
    const city = select.form.querySelector("select[name=city]");
    if (select.name === "province" && city) city.value = "";
    select.form.submit();
  });
});

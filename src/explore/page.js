const data = JSON.parse(document.getElementById('explore-data').textContent);
